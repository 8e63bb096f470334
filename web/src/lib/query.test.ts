import { describe, expect, it } from 'vitest';
import { defaultQuery, describeFilters, formatQuery, isFiltered, parseQuery } from './query';
import type { TaskQuery } from './types';

describe('query in the URL', () => {
  it('round-trips every filter', () => {
    const q: TaskQuery = {
      status: 'all',
      priority: 'high',
      tags: ['work', 'home'],
      search: 'rent & bills',
      dueFrom: '2026-11-01',
      dueTo: '2026-11-30',
      sort: 'title',
      order: 'desc',
    };
    expect(parseQuery(formatQuery(q))).toEqual(q);
  });

  it('keeps the default view out of the URL', () => {
    expect(formatQuery(defaultQuery)).toBe('');
    expect(parseQuery('')).toEqual(defaultQuery);
  });

  it('ignores malformed values', () => {
    expect(parseQuery('?status=done&priority=urgent&tags=ok,bad%20tag&from=tomorrow&sort=size&order=up')).toEqual({
      ...defaultQuery,
      tags: ['ok'],
    });
  });
});

describe('isFiltered and describeFilters', () => {
  it('treats sorting as not filtering', () => {
    expect(isFiltered({ ...defaultQuery, sort: 'title', order: 'desc' })).toBe(false);
    expect(isFiltered({ ...defaultQuery, search: '  ' })).toBe(false);
    expect(isFiltered({ ...defaultQuery, tags: ['x'] })).toBe(true);
  });

  it('names the filters for the empty state', () => {
    expect(describeFilters({ ...defaultQuery, priority: 'high', tags: ['work', 'home'], search: 'rent' })).toBe(
      'high priority, tagged #work and #home, matching “rent”',
    );
  });
});
