import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, taskSearchParams } from './api';
import { defaultQuery } from './query';

// A real HTTP server on 127.0.0.1 that records what the client sent and answers with what a
// test queued: the client is exercised through real fetch, headers and JSON.
interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  contentType: string | undefined;
  body: string;
}
interface Answer {
  status: number;
  body?: string;
  contentType?: string;
}

let server: Server;
let baseUrl = '';
const seen: Seen[] = [];
const answers: Answer[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      auth: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: await readBody(req),
    });
    const a = answers.shift() ?? { status: 500, body: '' };
    res.writeHead(a.status, a.body ? { 'Content-Type': a.contentType ?? 'application/json' } : {});
    res.end(a.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(userId = 'user-1') {
  return createClient({ baseUrl, token: 'tok.en.x', userId });
}

const task = {
  id: 7,
  user_id: 'user-1',
  title: 'Pay rent',
  description: null,
  completed: false,
  completed_at: null,
  due_date: '2026-12-01T09:00:00Z',
  priority: 'high',
  recurrence_pattern: null,
  recurrence_end_date: null,
  tags: [],
  overdue: false,
  created_at: '2026-11-26T10:00:00Z',
  updated_at: '2026-11-26T10:00:00Z',
};

describe('createClient', () => {
  it('sends the bearer token to the user-scoped path and decodes the task', async () => {
    seen.length = 0;
    answers.push({ status: 201, body: JSON.stringify(task) });
    const got = await client('user 1').createTask({ title: 'Pay rent', priority: 'high', tags: ['home'] });
    expect(got.title).toBe('Pay rent');
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/user%201/tasks',
      auth: 'Bearer tok.en.x',
      contentType: 'application/json',
    });
    expect(JSON.parse(seen[0]!.body)).toEqual({ title: 'Pay rent', priority: 'high', tags: ['home'] });
  });

  it('patches only the fields given, keeping null to clear them', async () => {
    seen.length = 0;
    answers.push({ status: 200, body: JSON.stringify(task) });
    await client().updateTask(7, { due_date: null, recurrence_pattern: null });
    expect(seen[0]!.method).toBe('PATCH');
    expect(seen[0]!.url).toBe('/api/user-1/tasks/7');
    expect(JSON.parse(seen[0]!.body)).toEqual({ due_date: null, recurrence_pattern: null });
  });

  it('turns the API error body into an ApiError naming the field', async () => {
    answers.push({
      status: 400,
      body: JSON.stringify({ error: { code: 'invalid', message: 'title must be at most 200 characters', field: 'title' } }),
    });
    const err = await client().createTask({ title: 'x'.repeat(201) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid', field: 'title', message: 'title must be at most 200 characters' });
  });

  it('gives a readable message when a proxy answers with HTML', async () => {
    answers.push({ status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    const err = await client().listTags().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'internal', field: undefined });
    expect((err as Error).message).toContain('HTTP 502');
  });

  it('explains a 401 without a body as an expired sign-in', async () => {
    answers.push({ status: 401 });
    const err = await client().listReminders().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401 });
    expect((err as Error).message).toMatch(/sign in again/i);
  });

  it('reports an unreachable server as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = createClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't.o.k', userId: 'u' });
    const err = await c.listTags().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'network' });
  });

  it('accepts 204 from deletes', async () => {
    seen.length = 0;
    answers.push({ status: 204 });
    await expect(client().deleteTask(7)).resolves.toBeUndefined();
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/api/user-1/tasks/7' });
  });

  it('lists tags by prefix and reminders by status', async () => {
    seen.length = 0;
    answers.push({ status: 200, body: JSON.stringify({ tags: [{ id: 1, name: 'work', color: null }], count: 1 }) });
    answers.push({ status: 200, body: JSON.stringify({ reminders: [], count: 0 }) });
    const tags = await client().listTags('wo');
    const rems = await client().listReminders('all');
    expect(tags.map((t) => t.name)).toEqual(['work']);
    expect(rems).toEqual([]);
    expect(seen.map((s) => s.url)).toEqual(['/api/user-1/tags?prefix=wo', '/api/user-1/reminders?status=all']);
  });

  it('normalises a missing next_cursor to null', async () => {
    answers.push({ status: 200, body: JSON.stringify({ tasks: [task], count: 1 }) });
    const page = await client().listTasks(defaultQuery, 'UTC');
    expect(page).toMatchObject({ count: 1, next_cursor: null });
  });
});

describe('taskSearchParams', () => {
  it('sends every filter the API knows, with due days in the given zone', () => {
    const p = taskSearchParams(
      {
        status: 'all',
        priority: 'high',
        tags: ['work', 'urgent'],
        search: '  rent ',
        dueFrom: '2026-11-26',
        dueTo: '2026-11-30',
        sort: 'priority',
        order: 'desc',
      },
      'America/New_York',
      'abc',
    );
    expect(Object.fromEntries(p)).toEqual({
      status: 'all',
      priority: 'high',
      tags: 'work,urgent',
      search: 'rent',
      due_after: '2026-11-26T05:00:00.000Z',
      due_before: '2026-12-01T05:00:00.000Z',
      sort: 'priority',
      order: 'desc',
      limit: '50',
      cursor: 'abc',
    });
  });

  it('leaves out filters that are not set', () => {
    const p = taskSearchParams(defaultQuery, 'UTC');
    expect([...p.keys()].sort()).toEqual(['limit', 'order', 'sort', 'status']);
  });
});
