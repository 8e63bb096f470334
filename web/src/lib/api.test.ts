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
  accept: string | undefined;
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
      accept: req.headers.accept,
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

  it('turns the API error body into an ApiError naming the field, with a message for people', async () => {
    answers.push({
      status: 400,
      body: JSON.stringify({ error: { code: 'invalid', message: 'title must be at most 200 characters', field: 'title' } }),
    });
    const err = await client().createTask({ title: 'x'.repeat(201) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'invalid',
      field: 'title',
      message: 'Give the task a title of at most 200 characters.',
      detail: 'title must be at most 200 characters',
    });
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

describe('chat', () => {
  const added = { tool: 'add_task', success: true, result: { id: 5, title: 'call mom' }, error: null, summary: 'Created task 5' };
  const done = { conversation_id: 12, response: 'Added "call mom".', tool_calls: [added], message_id: 3 };
  const sse = (events: [string, unknown][]) => events.map(([n, d]) => `event: ${n}\ndata: ${JSON.stringify(d)}\n\n`).join('');

  it('streams: start, text deltas and tool calls as they come, then the final answer', async () => {
    seen.length = 0;
    answers.push({
      status: 200,
      contentType: 'text/event-stream',
      body: sse([
        ['start', { conversation_id: 12 }],
        ['delta', { text: 'Added ' }],
        ['tool_call', added],
        ['delta', { text: '"call mom".' }],
        ['done', done],
      ]),
    });
    const heard: string[] = [];
    const res = await client().chat('add call mom', 12, {
      start: (id) => heard.push(`start ${id}`),
      delta: (t) => heard.push(`delta ${t}`),
      toolCall: (c) => heard.push(`tool ${c.tool}`),
    });
    expect(heard).toEqual(['start 12', 'delta Added ', 'tool add_task', 'delta "call mom".']);
    expect(res).toEqual(done);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/user-1/chat', accept: 'text/event-stream' });
    expect(JSON.parse(seen[0]!.body)).toEqual({ message: 'add call mom', conversation_id: 12 });
  });

  it('starts a new conversation without an id', async () => {
    seen.length = 0;
    answers.push({ status: 200, contentType: 'text/event-stream', body: sse([['done', done]]) });
    await client().chat('hi', null, {});
    expect(JSON.parse(seen[0]!.body)).toEqual({ message: 'hi' });
  });

  it('rejects with the error event’s message', async () => {
    answers.push({
      status: 200,
      contentType: 'text/event-stream',
      body: sse([
        ['start', { conversation_id: 12 }],
        ['error', { error: { code: 'internal', message: 'something went wrong on our side; try again' }, detail: 'x' }],
      ]),
    });
    const err = await client().chat('hi', null, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'internal', message: 'something went wrong on our side; try again' });
  });

  it('says so when the stream ends without an answer', async () => {
    answers.push({ status: 200, contentType: 'text/event-stream', body: sse([['start', { conversation_id: 1 }]]) });
    const err = await client().chat('hi', null, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, message: 'The answer ended early. Try again.' });
  });

  it('takes a plain JSON answer too, and an HTTP error names the field', async () => {
    answers.push({ status: 200, body: JSON.stringify(done) });
    const tools: string[] = [];
    expect(await client().chat('hi', null, { toolCall: (c) => tools.push(c.tool) })).toEqual(done);
    expect(tools).toEqual(['add_task']);
    answers.push({ status: 400, body: JSON.stringify({ error: { code: 'invalid', message: 'message must not be empty', field: 'message' } }) });
    expect(await client().chat(' ', null, {}).catch((e: unknown) => e)).toMatchObject({ status: 400, field: 'message' });
  });

  it('lists, reads and deletes conversations; previews and quick-adds; reads and sets the profile', async () => {
    seen.length = 0;
    answers.push({ status: 200, body: '[]' }, { status: 200, body: '[]' }, { status: 204 });
    answers.push({ status: 200, body: JSON.stringify({ task: { title: 'x' }, reminder: null, question: null, spans: [] }) });
    answers.push({ status: 201, body: JSON.stringify(task) });
    answers.push({ status: 200, body: '{}' }, { status: 200, body: '{}' });
    const c = client();
    await c.listConversations();
    await c.conversationMessages(4);
    await c.deleteConversation(4);
    await c.parseTask('x tomorrow');
    await c.quickAdd('x tomorrow');
    await c.getProfile();
    await c.updateProfile({ tz: 'Europe/Berlin' });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/user-1/conversations?limit=50',
      'GET /api/user-1/conversations/4/messages',
      'DELETE /api/user-1/conversations/4',
      'POST /api/user-1/tasks/parse',
      'POST /api/user-1/tasks?parse=true',
      'GET /api/user-1/profile',
      'PATCH /api/user-1/profile',
    ]);
    expect(seen.slice(3).map((s) => s.body)).toEqual(['{"text":"x tomorrow"}', '{"text":"x tomorrow"}', '', '{"tz":"Europe/Berlin"}']);
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
