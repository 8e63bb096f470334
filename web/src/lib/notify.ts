// Browser notifications for reminders while the page is open. The event stream's
// reminder.triggered (lib/events.ts) brings them; against a server without the stream the
// pending reminders (GET /reminders) are scheduled in the page instead, each shown once, at
// its time.

import type { Reminder } from './types';

export const NOTIFY_KEY = 'taskline.notify';

/** Reminders not shown yet whose time has come (at most `graceMs` ago: older ones are stale). */
export function dueNow<R extends Pick<Reminder, 'id' | 'remind_at'>>(reminders: R[], now: number, shown: Set<string>, graceMs = 5 * 60_000): R[] {
  return reminders.filter((r) => {
    const t = Date.parse(r.remind_at);
    return !shown.has(String(r.id)) && t <= now && t > now - graceMs;
  });
}

/** Milliseconds until the next reminder not yet shown, capped at `maxMs` (so the list is re-read). */
export function nextCheck(reminders: Pick<Reminder, 'id' | 'remind_at'>[], now: number, shown: Set<string>, maxMs = 60_000): number {
  let next = maxMs;
  for (const r of reminders) {
    if (shown.has(String(r.id))) continue;
    const d = Date.parse(r.remind_at) - now;
    if (d > 0 && d < next) next = d;
  }
  return Math.max(0, next);
}
