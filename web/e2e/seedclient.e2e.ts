// The seed's own web client (a Next.js page on another origin, CONTRACTS.md "What the seed's
// own web client sends") replayed in headless Chromium against the real local binary: its
// calls, made the way it makes them, from a page on another origin, and what it would show.

import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchBrowser, repoRoot, startTaskline, type Taskline } from './harness';

const ZONE = 'America/New_York';
const shots = join(repoRoot, 'web', 'e2e', 'screenshots');

// The client as the seed wrote it, reduced to what it does on the wire and on screen: JSON
// with a bearer token, errors read from `detail`, a 401 signs the user out, 204 has no
// body, tasks shown with a check mark from `is_completed` and the due date in the
// browser's zone.
const seedPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Seed client</title>
<h1>Tasks</h1><p id="session">signed in</p><p id="error" role="alert"></p><ul id="tasks"></ul>
<script>
window.seed = (api, user, token) => {
  const base = api + '/api/' + encodeURIComponent(user);
  async function request(path, init = {}) {
    const res = await fetch(base + path, { ...init, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token } });
    if (res.status === 401) { document.getElementById('session').textContent = 'signed out'; throw new Error('Your session has expired'); }
    if (!res.ok) {
      let body = {};
      try { body = await res.json(); } catch {}
      throw new Error(typeof body.detail === 'string' ? body.detail : 'An error occurred');
    }
    return res.status === 204 ? null : res.json();
  }
  function render(tasks) {
    const ul = document.getElementById('tasks');
    ul.replaceChildren(...tasks.map((t) => {
      const li = document.createElement('li');
      const due = t.due_date ? ' (due ' + new Date(t.due_date).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' }) + ')' : '';
      li.textContent = (t.is_completed ? '✓ ' : '○ ') + t.title + due;
      return li;
    }));
  }
  const json = (method, body) => ({ method, body: body === undefined ? undefined : JSON.stringify(body) });
  return {
    createTask: (t) => request('/tasks', json('POST', t)),
    updateTask: (id, t) => request('/tasks/' + id, json('PUT', t)),
    toggle: (id) => request('/tasks/' + id + '/complete', json('PATCH')),
    list: async (query) => { const page = await request('/tasks?' + query); render(page.tasks); return page; },
    createTag: (name) => request('/tags', json('POST', { name })),
    addTag: (id, tagId) => request('/tasks/' + id + '/tags', json('POST', { tag_id: tagId })),
    removeTag: (id, tagId) => request('/tasks/' + id + '/tags/' + tagId, json('DELETE')),
    deleteTask: (id) => request('/tasks/' + id, json('DELETE')),
    chat: async (message, conversationId) => {
      const r = await request('/chat', json('POST', { message, conversation_id: conversationId }));
      const p = document.createElement('p');
      p.className = 'assistant';
      p.textContent = r.response;
      document.body.append(p);
      return r;
    },
    conversations: () => request('/conversations'),
    messages: (id) => request('/conversations/' + id + '/messages'),
    showError: (message) => { document.getElementById('error').textContent = message; },
  };
};
</script></html>`;

function serve(html: string): Promise<{ origin: string; server: Server }> {
  return freePort().then(
    (port) =>
      new Promise((resolve) => {
        const server = createServer((_, res) => {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          res.end(html);
        });
        server.listen(port, '127.0.0.1', () => resolve({ origin: `http://127.0.0.1:${port}`, server }));
      }),
  );
}

let tl: Taskline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let seedSite: { origin: string; server: Server };
let otherSite: { origin: string; server: Server };

interface SeedTask {
  id: number;
  title: string;
  completed: boolean;
  is_completed: boolean;
  due_date: string | null;
  tags: { id: number; name: string }[];
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  seedSite = await serve(seedPage);
  otherSite = await serve(seedPage);
  tl = await startTaskline(ZONE, { CORS_ORIGINS: `${seedSite.origin},http://localhost:3000` });
  browser = await launchBrowser(ZONE);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(10_000);
  await page.goto(seedSite.origin);
});

afterAll(async () => {
  await browser?.close();
  await tl?.stop();
  seedSite?.server.close();
  otherSite?.server.close();
});

/** Runs one of the seed client's calls in the page, as the dev user (or with another token). */
async function seed<T>(call: string, args: unknown[] = [], token?: string): Promise<T> {
  return page.evaluate(
    async ({ api, user, token, call, args }) => {
      const client = (window as unknown as { seed: (a: string, u: string, t: string) => Record<string, (...x: unknown[]) => Promise<unknown>> }).seed(api, user, token);
      return client[call]!(...args);
    },
    { api: tl.url, user: tl.userId, token: token ?? tl.devToken, call, args },
  ) as Promise<T>;
}

/** What the client shows after a failed call: the message it read from the answer. */
async function failure(call: string, args: unknown[] = [], token?: string): Promise<string> {
  const message = await page.evaluate(
    async ({ api, user, token, call, args }) => {
      const client = (window as unknown as { seed: (a: string, u: string, t: string) => Record<string, (...x: unknown[]) => Promise<unknown>> }).seed(api, user, token);
      try {
        await client[call]!(...args);
        return 'no error';
      } catch (e) {
        client.showError!((e as Error).message);
        return (e as Error).message;
      }
    },
    { api: tl.url, user: tl.userId, token: token ?? tl.devToken, call, args },
  );
  return message;
}

const shown = () => page.locator('#tasks > li').allTextContents();

describe('the seed web client on another origin', () => {
  let dentist: SeedTask;

  it('gets its preflight answered', async () => {
    const res = await fetch(`${tl.url}/api/${tl.userId}/tasks`, {
      method: 'OPTIONS',
      headers: { Origin: seedSite.origin, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(seedSite.origin);
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('creates a task with a datetime-local due date, meant in the user zone', async () => {
    dentist = await seed<SeedTask>('createTask', [{ title: 'Dentist', due_date: '2030-12-03T09:00', priority: 'high' }]);
    expect(dentist.due_date).toBe('2030-12-03T14:00:00Z'); // 09:00 in New York
    expect(dentist.is_completed).toBe(false);
    await seed('list', ['sort_by=title']);
    expect(await shown()).toEqual(['○ Dentist (due 03/12/2030, 09:00)']);
  });

  it('edits it with PUT and another datetime-local value', async () => {
    const t = await seed<SeedTask>('updateTask', [dentist.id, { title: 'Dentist (moved)', due_date: '2030-12-04T18:30' }]);
    expect(t.due_date).toBe('2030-12-04T23:30:00Z');
    await seed('list', ['sort_by=title']);
    expect(await shown()).toEqual(['○ Dentist (moved) (due 04/12/2030, 18:30)']);
  });

  it('toggles completion and sees it completed', async () => {
    const t = await seed<SeedTask>('toggle', [dentist.id]);
    expect(t.is_completed).toBe(true);
    await seed('list', ['is_completed=true']);
    expect(await shown()).toEqual(['✓ Dentist (moved) (due 04/12/2030, 18:30)']);
    await seed('list', ['is_completed=false']);
    expect(await shown()).toEqual([]);
    await seed('toggle', [dentist.id]); // reopened
  });

  it('filters with is_completed, sort_by and repeated tags keys', async () => {
    await seed('createTask', [{ title: 'Water plants', tags: ['home', 'été'] }]);
    await seed('createTask', [{ title: 'Buy paint', tags: ['home', 'été', 'diy'] }]);
    await seed('createTask', [{ title: 'Mow lawn', tags: ['home'] }]);
    await seed('list', ['is_completed=false&sort_by=title&tags=home&tags=%C3%A9t%C3%A9']);
    expect(await shown()).toEqual(['○ Buy paint', '○ Water plants']);
    await seed('list', ['is_completed=false&sort_by=title&tags=home&tags=%C3%A9t%C3%A9,diy']);
    expect(await shown()).toEqual(['○ Buy paint']);
  });

  it('links and unlinks one tag with the singular routes', async () => {
    const tag = await seed<{ id: number; name: string }>('createTag', ['日本']);
    const linked = await seed<SeedTask>('addTag', [dentist.id, tag.id]);
    expect(linked.tags.map((g) => g.name)).toEqual(['日本']);
    expect(await seed('removeTag', [dentist.id, tag.id])).toBeNull();
    await seed('list', ['tags=%E6%97%A5%E6%9C%AC']);
    expect(await shown()).toEqual([]);
  });

  it("shows the API's own message, read from detail", async () => {
    expect(await failure('createTask', [{ title: '' }])).toBe('title must not be empty');
    expect(await page.getByRole('alert').textContent()).toBe('title must not be empty');
    expect(await failure('createTask', [{ title: 'x', due_date: 'next tuesday' }])).toMatch(/^due_date must be an RFC 3339 time/);
    expect(await failure('list', ['status=pending&status=completed'])).toMatch(/^status is given more than once/);
    await page.screenshot({ path: join(shots, 'seed-client.png') });
  });

  it('chats: the assistant adds a task, and the conversation is kept', async () => {
    const r = await seed<{ conversation_id: number; response: string; tool_calls: { tool: string; success: boolean; error: string | null }[] }>(
      'chat',
      ['add buy bread tomorrow'],
    );
    expect(r.tool_calls.map((c) => [c.tool, c.success])).toEqual([['add_task', true]]);
    expect(r.response.length).toBeGreaterThan(0);
    expect(await page.locator('p.assistant').last().textContent()).toBe(r.response);
    const convs = await seed<{ id: number }[]>('conversations');
    expect(convs.map((c) => c.id)).toContain(r.conversation_id);
    const msgs = await seed<{ role: string }[]>('messages', [r.conversation_id]);
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant']);
    await seed('list', ['search=bread']);
    expect((await shown())[0]).toMatch(/^○ (B|b)uy bread/);
    expect(await failure('chat', [''])).toMatch(/message/);
  });

  it('deletes with a 204', async () => {
    expect(await seed('deleteTask', [dentist.id])).toBeNull();
    await seed('list', ['sort_by=title&search=paint']);
    expect(await shown()).toEqual(['○ Buy paint']);
    await seed('list', ['search=dentist']);
    expect(await shown()).toEqual([]);
  });

  it('signs the user out on a 401', async () => {
    expect(await failure('list', [''], 'not-a-token')).toBe('Your session has expired');
    expect(await page.locator('#session').textContent()).toBe('signed out');
  });

  it('is refused from an origin that is not configured', async () => {
    await page.goto(otherSite.origin);
    expect(await failure('list', [''])).toMatch(/Failed to fetch/);
  });
});
