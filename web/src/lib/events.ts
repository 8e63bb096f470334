// The user's live event stream (GET /api/{user_id}/events): server-sent events, one per
// CloudEvent of the user's, resumable by Last-Event-ID. EventSource cannot send the
// Authorization header, so the stream is read with fetch (as the chat does, lib/sse.ts) and
// reconnected here: with backoff, and from the last id received, so nothing is missed.

import type { Client } from './api';
import { readSSE } from './sse';
import type { Task } from './types';

/** One CloudEvent from the stream (the fields the app reads). */
export interface LiveEvent {
  /** The stream's cursor (the event's id: line). */
  id: string;
  /** The CloudEvent type without any reverse-DNS prefix: task.created, reminder.triggered... */
  type: string;
  /** When it happened (the CloudEvent's time), as epoch ms; NaN when absent. */
  time: number;
  data: Record<string, unknown>;
}

/** The event types the app knows, as the stream names them (a prefix may stand before them). */
const known = [
  'recurring.task.created',
  'task.created',
  'task.updated',
  'task.completed',
  'task.deleted',
  'reminder.scheduled',
  'reminder.triggered',
  'reminder.sent',
  'reminder.failed',
  'reminder.cancelled',
];

/** The known type an event name ends with ("com.example.task.created" is task.created), or ''. */
export function eventKind(name: string): string {
  return known.find((k) => name === k || name.endsWith(`.${k}`)) ?? '';
}

/** Reads one server-sent event's data as a LiveEvent; null for the stream's own events and junk. */
export function parseLiveEvent(name: string, id: string | undefined, data: string): LiveEvent | null {
  const type = eventKind(name);
  if (!type || id === undefined) return null;
  try {
    const ce = JSON.parse(data) as { time?: unknown; data?: unknown };
    const d = ce.data && typeof ce.data === 'object' ? (ce.data as Record<string, unknown>) : {};
    return { id, type, time: typeof ce.time === 'string' ? Date.parse(ce.time) : NaN, data: d };
  } catch {
    return null;
  }
}

/** The task an event is about: task_id, or the new instance of a recurring task. */
export function taskOf(e: LiveEvent): string | null {
  const v = e.type === 'recurring.task.created' ? e.data.new_task_id : e.data.task_id;
  return typeof v === 'number' || typeof v === 'string' ? String(v) : null;
}

/** Milliseconds before reconnect attempt `n` (0-based): 1 s doubling to 30 s, with jitter. */
export function backoff(n: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(n, 5));
  return Math.round(base * (0.75 + random() * 0.5));
}

export interface StreamOptions {
  url: string;
  token: string;
  onEvent(e: LiveEvent): void;
  /** The stream is open (again): `resumed` is false the first time. */
  onOpen?(resumed: boolean): void;
  /** 401: the sign-in is no longer valid; the stream stops. */
  onUnauthorized?(): void;
  /** The server has no stream (404, 405: an older server); the stream stops. */
  onUnavailable?(): void;
  fetch?: typeof fetch;
  /** Waits before a reconnect (tests make it instant). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Opens the stream and keeps it open until the returned function is called: after an end or
 * an error it reconnects with backoff, sending the last id it received as Last-Event-ID.
 */
export function openEventStream(o: StreamOptions): () => void {
  const ctl = new AbortController();
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const wait = o.wait ?? sleep;
  let lastId: string | undefined;
  let opened = false;

  void (async () => {
    for (let attempt = 0; !ctl.signal.aborted; ) {
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${o.token}` };
        if (lastId !== undefined) headers['Last-Event-ID'] = lastId;
        // Low priority: a stream that never ends is not part of loading the page (Lighthouse
        // and other load metrics wait for the high-priority requests to end).
        const res = await doFetch(o.url, { headers, signal: ctl.signal, cache: 'no-store', priority: 'low' });
        if (res.status === 401) {
          o.onUnauthorized?.();
          return;
        }
        if (res.status === 404 || res.status === 405) {
          o.onUnavailable?.();
          return;
        }
        if (res.ok && res.body) {
          await readSSE(res.body, (e) => {
            if (e.id !== undefined) lastId = e.id;
            if (e.event === 'ready') {
              attempt = 0;
              o.onOpen?.(opened);
              opened = true;
              return;
            }
            const ev = parseLiveEvent(e.event, e.id, e.data);
            if (ev) o.onEvent(ev);
          });
        }
      } catch {
        // network error or aborted: reconnect below unless closed
      }
      if (ctl.signal.aborted) return;
      await wait(backoff(attempt++), ctl.signal);
    }
  })();
  return () => ctl.abort();
}

/**
 * The tasks this page changed itself, so their events do not reload the list it already
 * reloads: writes in flight are awaited before an event is judged, since a task's event
 * may arrive before the answer that names it.
 */
export class OwnChanges {
  private ids = new Map<string, number>();
  private inFlight = new Set<Promise<unknown>>();

  constructor(
    private ttlMs = 15_000,
    private now: () => number = Date.now,
  ) {}

  /** Records that the page changed `id`. */
  note(id: string | number) {
    this.ids.set(String(id), this.now());
  }

  /** Tracks a write: its task (from `idOf` on the answer, or given) is noted once it is done. */
  track<T>(p: Promise<T>, idOf?: (v: T) => string | number | undefined): Promise<T> {
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(
      (v) => {
        const id = idOf?.(v);
        if (id !== undefined) this.note(id);
        done();
      },
      done,
    );
    return p;
  }

  /** Whether the event's task is one the page changed lately, once its writes in flight are done. */
  async isOwn(taskId: string | null): Promise<boolean> {
    if (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    if (taskId === null) return false;
    const at = this.ids.get(taskId);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.ids.delete(taskId);
      return false;
    }
    return true;
  }
}

/** The client with its task writes recorded in `own` (the page's writes go through it). */
export function trackWrites(c: Client, own: OwnChanges): Client {
  const byId =
    <A extends unknown[], T>(f: (id: Task['id'], ...rest: A) => Promise<T>) =>
    (id: Task['id'], ...rest: A) => {
      own.note(id);
      return own.track(f(id, ...rest), () => id);
    };
  const created = (t: Task) => t.id;
  return {
    ...c,
    createTask: (input) => own.track(c.createTask(input), created),
    quickAdd: (text) => own.track(c.quickAdd(text), created),
    updateTask: byId(c.updateTask),
    deleteTask: byId(c.deleteTask),
    completeTask: byId(c.completeTask),
    toggleComplete: byId(c.toggleComplete),
  };
}
