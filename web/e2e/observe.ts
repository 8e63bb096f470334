// What the browser tests read back to check what a person saw: the API's own view of the
// data, and wall clocks in a zone. The calendar is computed with Intl directly (not the
// app's date code), so a bug there cannot hide itself.

import type { BrowserContext, Page } from 'playwright-core';
import type { Taskline } from './harness';

/** Calendar days and wall-clock times in `zone`. */
export function zoneClock(zone: string) {
  return {
    /** The local date (YYYY-MM-DD) `offsetDays` from today in the zone. */
    dayInZone(offsetDays: number): string {
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      const [y, m, d] = today.split('-').map(Number) as [number, number, number];
      return new Date(Date.UTC(y, m - 1, d + offsetDays)).toISOString().slice(0, 10);
    },
    /** "YYYY-MM-DD HH:MM" that instant `iso` shows on a wall clock in the zone. */
    wallClockInZone(iso: string): string {
      const parts = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).formatToParts(new Date(iso));
      const get = (t: string) => parts.find((p) => p.type === t)!.value;
      return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
    },
  };
}

/** A task as the API returns it: the fields the tests check. */
export interface ApiTask {
  id: number;
  title: string;
  priority: string;
  completed: boolean;
  due_date: string | null;
  recurrence_pattern: string | null;
  tags: { name: string }[];
}

/** GET calls as the dev user of the server `server()` returns (started in beforeAll). */
export function apiReader(server: () => Taskline) {
  async function api<T>(path: string): Promise<T> {
    const tl = server();
    const res = await fetch(`${tl.url}/api/${encodeURIComponent(tl.userId)}${path}`, {
      headers: { Authorization: `Bearer ${tl.devToken}` },
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  return {
    api,
    /** Every task, open and completed. */
    allTasks: async (): Promise<ApiTask[]> => (await api<{ tasks: ApiTask[] }>('/tasks?status=all&limit=200')).tasks,
  };
}

/** A browser notification as the page showed it. */
export interface ShownNote {
  title: string;
  body: string;
}

/**
 * Records the notifications the context's pages show (the permission prompt and the OS popup
 * cannot be seen headless): the permission is granted for `origin` and Notification wrapped.
 * The returned function reads what `page` has shown so far.
 */
export async function recordNotifications(context: BrowserContext, origin: string): Promise<(page: Page) => Promise<ShownNote[]>> {
  await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { __notes: typeof shown }).__notes = shown;
    class Recorded extends Real {
      constructor(title: string, opts?: NotificationOptions) {
        super(title, opts);
        shown.push({ title, body: opts?.body ?? '' });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded });
  });
  return (page) => page.evaluate(() => (window as unknown as { __notes: ShownNote[] }).__notes);
}
