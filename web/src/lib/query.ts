// The list's filters live in the page's URL so a filtered view survives a reload and can be
// bookmarked; these functions translate between the two.

import type { Priority, SortKey, StatusFilter, TaskQuery } from './types';

/** The list as it opens: open tasks, soonest due first. */
export const defaultQuery: TaskQuery = {
  status: 'pending',
  priority: '',
  tags: [],
  search: '',
  dueFrom: '',
  dueTo: '',
  sort: 'due_date',
  order: 'asc',
};

const statuses: StatusFilter[] = ['all', 'pending', 'completed'];
const priorities: Priority[] = ['low', 'medium', 'high'];
const sorts: SortKey[] = ['due_date', 'priority', 'created_at', 'title'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function oneOf<T extends string>(v: string | null, allowed: readonly T[], fallback: T): T {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** Reads filters from a location.search string, ignoring anything malformed. */
export function parseQuery(search: string): TaskQuery {
  const p = new URLSearchParams(search);
  const date = (k: string) => {
    const v = p.get(k) ?? '';
    return DATE_RE.test(v) ? v : '';
  };
  return {
    status: oneOf(p.get('status'), statuses, defaultQuery.status),
    priority: oneOf<Priority | ''>(p.get('priority'), priorities, ''),
    tags: (p.get('tags') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => /^[\p{L}\p{M}\p{Nd}_-]{1,50}$/u.test(t)),
    search: p.get('q') ?? '',
    dueFrom: date('from'),
    dueTo: date('to'),
    sort: oneOf(p.get('sort'), sorts, defaultQuery.sort),
    order: oneOf(p.get('order'), ['asc', 'desc'] as const, defaultQuery.order),
  };
}

/** Writes filters as a location.search string, leaving out the defaults. */
export function formatQuery(q: TaskQuery): string {
  const p = new URLSearchParams();
  if (q.status !== defaultQuery.status) p.set('status', q.status);
  if (q.priority) p.set('priority', q.priority);
  if (q.tags.length) p.set('tags', q.tags.join(','));
  if (q.search) p.set('q', q.search);
  if (q.dueFrom) p.set('from', q.dueFrom);
  if (q.dueTo) p.set('to', q.dueTo);
  if (q.sort !== defaultQuery.sort) p.set('sort', q.sort);
  if (q.order !== defaultQuery.order) p.set('order', q.order);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** True when the filters narrow the list beyond the default view (sorting does not narrow). */
export function isFiltered(q: TaskQuery): boolean {
  return (
    q.status !== defaultQuery.status ||
    q.priority !== '' ||
    q.tags.length > 0 ||
    q.search.trim() !== '' ||
    q.dueFrom !== '' ||
    q.dueTo !== ''
  );
}

/** A short sentence naming the active filters, for the empty state. */
export function describeFilters(q: TaskQuery): string {
  const parts: string[] = [];
  if (q.status === 'completed') parts.push('completed');
  if (q.status === 'all') parts.push('any status');
  if (q.priority) parts.push(`${q.priority} priority`);
  if (q.tags.length) parts.push(`tagged ${q.tags.map((t) => `#${t}`).join(' and ')}`);
  if (q.search.trim()) parts.push(`matching “${q.search.trim()}”`);
  if (q.dueFrom && q.dueTo) parts.push(`due ${q.dueFrom} to ${q.dueTo}`);
  else if (q.dueFrom) parts.push(`due from ${q.dueFrom}`);
  else if (q.dueTo) parts.push(`due by ${q.dueTo}`);
  return parts.join(', ');
}
