// The day views (Today, Upcoming, Overdue) and the month calendar: each has a path of its
// own (/today, /upcoming, /overdue, /calendar?month=2026-12) and is built from the list API's
// due_after/due_before filters, grouped into local days in the browser's zone.

import { localToday, nextDate, toLocalInputs } from './dates';
import type { Task, TaskQuery } from './types';

export type View = 'list' | 'today' | 'upcoming' | 'overdue' | 'calendar';

export const views: { view: View; path: string; label: string; key?: string }[] = [
  { view: 'list', path: '/', label: 'All tasks' },
  { view: 'today', path: '/today', label: 'Today', key: 't' },
  { view: 'upcoming', path: '/upcoming', label: 'Upcoming', key: 'u' },
  { view: 'overdue', path: '/overdue', label: 'Overdue' },
  { view: 'calendar', path: '/calendar', label: 'Calendar' },
];

/** The view a path names; anything unknown is the list. */
export function viewFromPath(pathname: string): View {
  const p = pathname.replace(/\/+$/, '') || '/';
  return views.find((v) => v.path === p)?.view ?? 'list';
}

export function pathForView(v: View): string {
  return views.find((x) => x.view === v)?.path ?? '/';
}

/** `date` (YYYY-MM-DD) moved by `n` calendar days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

/** Upcoming covers today and the six days after it. */
export const UPCOMING_DAYS = 7;

/** The month (YYYY-MM) of a ?month= value, or the one `today` falls in. */
export function parseMonth(v: string | null, today: string): string {
  return v && /^\d{4}-(0[1-9]|1[0-2])$/.test(v) ? v : today.slice(0, 7);
}

/** The month before or after `month` (YYYY-MM). */
export function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const t = new Date(Date.UTC(y, m - 1 + n, 1));
  return t.toISOString().slice(0, 7);
}

/**
 * The days a month grid shows: whole weeks from the Monday on or before the 1st to the
 * Sunday on or after the last day (35 or 42 days, 28 for a February starting on a Monday).
 */
export function monthGrid(month: string): string[] {
  const first = `${month}-01`;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const dow = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // Monday = 0
  const start = addDays(first, -dow);
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const last = `${month}-${String(lastDay).padStart(2, '0')}`;
  const days: string[] = [];
  for (let d = start; ; d = nextDate(d)) {
    days.push(d);
    if (d >= last && days.length % 7 === 0) break;
  }
  return days;
}

/**
 * The list query a view sends, keeping the list's priority, tag and search filters. Overdue
 * asks for everything due before tomorrow and keeps what is past due (isOverdueNow), so a
 * task due at 09:00 today is overdue at 10:00.
 */
export function viewQuery(view: View, base: TaskQuery, today: string, month = today.slice(0, 7)): TaskQuery {
  const keep = { priority: base.priority, tags: base.tags, search: base.search, sort: 'due_date' as const, order: 'asc' as const };
  switch (view) {
    case 'today':
    case 'overdue':
      return { ...keep, status: 'pending', dueFrom: '', dueTo: today };
    case 'upcoming':
      return { ...keep, status: 'pending', dueFrom: today, dueTo: addDays(today, UPCOMING_DAYS - 1) };
    case 'calendar': {
      const grid = monthGrid(month);
      return { ...keep, status: 'all', dueFrom: grid[0]!, dueTo: grid[grid.length - 1]! };
    }
    default:
      return base;
  }
}

/** The local day (YYYY-MM-DD) a task is due on in `zone`, or '' without a due date. */
export function dueDay(t: Pick<Task, 'due_date'>, zone: string): string {
  return t.due_date ? toLocalInputs(t.due_date, zone).date : '';
}

export interface DayGroup {
  /** YYYY-MM-DD, or 'overdue' for the group of days before today. */
  key: string;
  label: string;
  tasks: Task[];
}

/** "Today", "Tomorrow", or "Thursday 3 December" for a date (YYYY-MM-DD). */
export function dayLabel(date: string, today: string, locale?: string): string {
  if (date === today) return 'Today';
  if (date === nextDate(today)) return 'Tomorrow';
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/**
 * Groups tasks (already in due order) by the local day they are due. Days before `today`
 * form one "Overdue" group first; with `allDays`, days without tasks get an empty group, so
 * Upcoming shows all seven days.
 */
export function groupByDay(tasks: Task[], zone: string, today: string, days: string[] = [], locale?: string): DayGroup[] {
  const groups = new Map<string, DayGroup>();
  for (const d of days) groups.set(d, { key: d, label: dayLabel(d, today, locale), tasks: [] });
  const overdue: Task[] = [];
  for (const t of tasks) {
    const d = dueDay(t, zone);
    if (!d) continue;
    if (d < today) {
      overdue.push(t);
      continue;
    }
    let g = groups.get(d);
    if (!g) {
      g = { key: d, label: dayLabel(d, today, locale), tasks: [] };
      groups.set(d, g);
    }
    g.tasks.push(t);
  }
  const out = [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return overdue.length ? [{ key: 'overdue', label: 'Overdue', tasks: overdue }, ...out] : out;
}

/** The days of Upcoming, from today. */
export function upcomingDays(today: string): string[] {
  return Array.from({ length: UPCOMING_DAYS }, (_, i) => addDays(today, i));
}

/** Tasks past due at `now` and not done. */
export function overdueNow(tasks: Task[], now: Date): Task[] {
  return tasks.filter((t) => !t.completed && t.due_date && new Date(t.due_date).getTime() < now.getTime());
}

/** Tasks by local due day, for the calendar. */
export function tasksByDay(tasks: Task[], zone: string): Map<string, Task[]> {
  const m = new Map<string, Task[]>();
  for (const t of tasks) {
    const d = dueDay(t, zone);
    if (!d) continue;
    m.set(d, [...(m.get(d) ?? []), t]);
  }
  return m;
}

export { localToday };
