import { describe, expect, it } from 'vitest';
import { defaultQuery } from './query';
import type { Task } from './types';
import { addDays, groupByDay, monthGrid, shiftMonth, upcomingDays, viewFromPath, viewQuery } from './views';

const task = (id: number, due: string | null): Task =>
  ({ id, title: `t${id}`, due_date: due, completed: false, priority: 'medium', tags: [] }) as unknown as Task;

describe('views', () => {
  it('reads the view from the path', () => {
    expect(viewFromPath('/today')).toBe('today');
    expect(viewFromPath('/upcoming/')).toBe('upcoming');
    expect(viewFromPath('/calendar')).toBe('calendar');
    expect(viewFromPath('/')).toBe('list');
    expect(viewFromPath('/nope')).toBe('list');
  });

  it('asks the list API for the right local days', () => {
    const q = { ...defaultQuery, tags: ['home'], status: 'completed' as const };
    expect(viewQuery('today', q, '2026-12-02')).toMatchObject({ status: 'pending', dueFrom: '', dueTo: '2026-12-02', tags: ['home'] });
    expect(viewQuery('upcoming', q, '2026-12-30')).toMatchObject({ dueFrom: '2026-12-30', dueTo: '2027-01-05' });
    expect(viewQuery('calendar', q, '2026-12-02', '2026-12')).toMatchObject({ status: 'all', dueFrom: '2026-11-30', dueTo: '2027-01-03' });
  });

  it('builds whole Monday-first weeks for a month', () => {
    const g = monthGrid('2026-12');
    expect(g.length % 7).toBe(0);
    expect(g[0]).toBe('2026-11-30');
    expect(g).toContain('2026-12-31');
    expect(monthGrid('2027-02')).toHaveLength(28); // Feb 2027 starts on a Monday
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
  });

  it('groups by the local day in the zone, across DST, with overdue first and empty days kept', () => {
    const zone = 'America/New_York';
    const today = '2026-11-01'; // DST ends that night in New York
    const tasks = [
      task(1, '2026-10-30T14:00:00Z'), // past
      task(2, '2026-11-01T03:30:00Z'), // Oct 31, 23:30 EDT: yesterday, overdue
      task(3, '2026-11-01T04:30:00Z'), // Nov 1, 00:30 EDT: today
      task(4, '2026-11-02T04:30:00Z'), // Nov 1, 23:30 EST: still today
      task(5, '2026-11-03T15:00:00Z'),
    ];
    const g = groupByDay(tasks, zone, today, upcomingDays(today), 'en-GB');
    expect(g.map((x) => x.key)).toEqual(['overdue', ...upcomingDays(today)]);
    expect(g[0]!.tasks.map((t) => t.id)).toEqual([1, 2]);
    expect(g[1]!.label).toBe('Today');
    expect(g[1]!.tasks.map((t) => t.id)).toEqual([3, 4]);
    expect(g[2]!.label).toBe('Tomorrow');
    expect(g[3]!.tasks.map((t) => t.id)).toEqual([5]);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
