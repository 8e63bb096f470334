import { describe, expect, it } from 'vitest';
import type { Client } from './api';
import { backoff, eventKind, openEventStream, OwnChanges, parseLiveEvent, taskOf, trackWrites, type LiveEvent } from './events';
import type { Task } from './types';

function body(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
      c.close();
    },
  });
}

const ce = (type: string, data: unknown, time = '2026-12-02T10:00:00Z') =>
  JSON.stringify({ specversion: '1.0', id: 'x', type, source: '/functions/create-task', userid: 'ann', time, data });

describe('parseLiveEvent', () => {
  it('reads a CloudEvent, prefixed types included, and ignores the stream’s own events', () => {
    const e = parseLiveEvent('task.created', '42', ce('task.created', { task_id: 7, title: 'Call mom' }));
    expect(e).toEqual({ id: '42', type: 'task.created', time: Date.parse('2026-12-02T10:00:00Z'), data: { task_id: 7, title: 'Call mom' } });
    expect(eventKind('com.example.todo.reminder.triggered')).toBe('reminder.triggered');
    expect(eventKind('recurring.task.created')).toBe('recurring.task.created');
    expect(parseLiveEvent('ready', '41', '{"last_event_id":41}')).toBeNull();
    expect(parseLiveEvent('task.created', '43', 'not json')).toBeNull();
    expect(parseLiveEvent('task.created', undefined, ce('task.created', {}))).toBeNull();
  });

  it('names the task an event is about', () => {
    const of = (type: string, data: Record<string, unknown>): LiveEvent => ({ id: '1', type, time: 0, data });
    expect(taskOf(of('task.deleted', { task_id: 3 }))).toBe('3');
    expect(taskOf(of('recurring.task.created', { original_task_id: 3, new_task_id: 4 }))).toBe('4');
    expect(taskOf(of('reminder.sent', { reminder_id: 9 }))).toBeNull();
  });
});

describe('backoff', () => {
  it('doubles from about a second up to about 30 s', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoff(n, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoff(0, () => 0)).toBe(750);
    expect(backoff(0, () => 1)).toBe(1250);
  });
});

describe('openEventStream', () => {
  it('delivers events, and reconnects from the last id it received', async () => {
    const calls: (string | undefined)[] = [];
    const answers = [
      'retry: 2000\nid: 41\nevent: ready\ndata: {"last_event_id":41}\n\n' +
        `id: 42\nevent: task.created\ndata: ${ce('task.created', { task_id: 7 })}\n\n: keep-alive\n\n`,
      'id: 42\nevent: ready\ndata: {"last_event_id":42}\n\n' + `id: 43\nevent: task.deleted\ndata: ${ce('task.deleted', { task_id: 7 })}\n\n`,
    ];
    const got: string[] = [];
    const opens: boolean[] = [];
    let close = () => {};
    await new Promise<void>((done) => {
      close = openEventStream({
        url: '/api/ann/events',
        token: 't0k',
        fetch: async (_url, init) => {
          const h = init?.headers as Record<string, string>;
          expect(h.Authorization).toBe('Bearer t0k');
          calls.push(h['Last-Event-ID']);
          const text = answers.shift();
          if (text === undefined) {
            done();
            return new Promise<Response>(() => {}); // stays open
          }
          return new Response(body(text), { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
        },
        wait: async () => {},
        onOpen: (resumed) => opens.push(resumed),
        onEvent: (e) => got.push(`${e.id} ${e.type}`),
      });
    });
    close();
    expect(got).toEqual(['42 task.created', '43 task.deleted']);
    expect(calls).toEqual([undefined, '42', '43']);
    expect(opens).toEqual([false, true]);
  });

  it('stops on 401 and on a server without the stream', async () => {
    for (const [status, want] of [
      [401, 'unauthorized'],
      [404, 'unavailable'],
    ] as const) {
      let fetches = 0;
      const seen = await new Promise<string>((done) => {
        openEventStream({
          url: '/api/ann/events',
          token: 't',
          fetch: async () => {
            fetches++;
            return new Response('{}', { status });
          },
          wait: async () => {},
          onEvent: () => {},
          onUnauthorized: () => done('unauthorized'),
          onUnavailable: () => done('unavailable'),
        });
      });
      expect(seen).toBe(want);
      expect(fetches).toBe(1);
    }
  });
});

describe('OwnChanges', () => {
  it('knows the tasks this page changed, once its writes are answered, for a while', async () => {
    let now = 1000;
    const own = new OwnChanges(15_000, () => now);
    let answer: (t: Task) => void = () => {};
    const created = new Promise<Task>((r) => (answer = r));
    const c = trackWrites({ createTask: () => created, deleteTask: async () => {} } as unknown as Client, own);
    const pending = c.createTask({ title: 'Call mom' });
    // The event arrives before the answer: judged once the write is done.
    const judged = own.isOwn('7');
    answer({ id: 7, title: 'Call mom' } as Task);
    await pending;
    expect(await judged).toBe(true);
    expect(await own.isOwn('8')).toBe(false); // another tab's task
    await c.deleteTask(9);
    expect(await own.isOwn('9')).toBe(true);
    now += 16_000;
    expect(await own.isOwn('7')).toBe(false);
    expect(await own.isOwn(null)).toBe(false);
  });
});
