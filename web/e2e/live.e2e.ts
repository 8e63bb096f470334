// The live event stream (GET /api/{user_id}/events) in headless Chromium against the real
// binary: a change made elsewhere (the API, as another tab or the chat would) shows in an
// open page without a reload, and a reminder the stream reports as triggered becomes a
// browser notification, with no polling of GET /reminders.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startTaskline, type Taskline } from './harness';
import { recordNotifications, type ShownNote } from './observe';

let tl: Taskline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let shownIn: (p: Page) => Promise<ShownNote[]>;
const requests: string[] = [];

beforeAll(async () => {
  tl = await startTaskline('UTC');
  browser = await launchBrowser('UTC');
  shownIn = await recordNotifications(browser.context, tl.url);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`));
});

afterAll(async () => {
  await browser?.close();
  await tl?.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ id: number }> {
  const res = await fetch(`${tl.url}/api/${encodeURIComponent(tl.userId)}${path}`, {
    method,
    headers: { Authorization: `Bearer ${tl.devToken}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? { id: 0 } : ((await res.json()) as { id: number });
}

const row = (title: string) => page.locator('ul.tasks > li.task').filter({ has: page.getByRole('button', { name: title, exact: true }) });

describe('live events', () => {
  it('shows a task added, renamed and completed elsewhere without a reload', async () => {
    await api('POST', '/tasks', { title: 'Already there' });
    await page.goto(tl.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await row('Already there').waitFor();
    // A reload would lose this mark.
    await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));
    // The page opens its stream once it has settled.
    await expect.poll(() => requests.some((r) => r.startsWith(`GET /api/${tl.userId}/events`)), { timeout: 10_000 }).toBe(true);

    const t = await api('POST', '/tasks', { title: 'Added in another tab' });
    await row('Added in another tab').waitFor();
    await api('PATCH', `/tasks/${t.id}`, { title: 'Renamed in another tab' });
    await row('Renamed in another tab').waitFor();
    // The list shows pending tasks: a task completed elsewhere leaves it.
    await api('POST', `/tasks/${t.id}/complete`);
    await row('Renamed in another tab').waitFor({ state: 'detached' });
    // The chat changes tasks on the server the same way.
    const chat = await fetch(`${tl.url}/api/${encodeURIComponent(tl.userId)}/chat`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tl.devToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'add water the plants' }),
    });
    expect(chat.status).toBe(200);
    await page.locator('ul.tasks .task-title', { hasText: /water the plants/i }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
  });

  it('turns a reminder.triggered from the stream into a notification', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByLabel('Show reminders as browser notifications while Taskline is open').check();
    await expect.poll(() => settings.innerText()).toContain('Reminders will show as notifications');
    await page.keyboard.press('Escape');

    const task = await api('POST', '/tasks', { title: 'Stretch', due_date: new Date(Date.now() + 3_600_000).toISOString() });
    await row('Stretch').waitFor();
    requests.length = 0;
    await api('POST', '/reminders', { task_id: task.id, remind_at: new Date(Date.now() + 3000).toISOString() });
    await expect.poll(() => shownIn(page), { timeout: 20_000 }).toEqual([{ title: 'Stretch', body: expect.stringContaining('Reminder: due') }]);
    // The stream brought it: the page did not poll the reminders for it.
    expect(requests.filter((r) => r.includes('/reminders?status=all'))).toEqual([]);
  });
});
