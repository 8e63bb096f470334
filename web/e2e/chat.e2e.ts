// The assistant and the natural-language "New task" box, driven in headless Chromium
// against the real local binary with no language model configured: the built-in assistant
// (a parser) answers. The server starts with the dev user in UTC and the browser lives in
// Los Angeles, so a date read in the wrong zone shows.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, repoRoot, startTaskline, type Taskline } from './harness';
import { apiReader, zoneClock } from './observe';

const ZONE = 'America/Los_Angeles';
const shots = join(repoRoot, 'web', 'e2e', 'screenshots');

let tl: Taskline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // No OPENAI_*/ANTHROPIC_* variables: the built-in assistant answers.
  tl = await startTaskline('UTC', { OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ANTHROPIC_API_KEY: '' });
  browser = await launchBrowser(ZONE);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await tl?.stop();
});

const { dayInZone, wallClockInZone } = zoneClock(ZONE);
const { api, allTasks } = apiReader(() => tl);

const row = (title: string) => page.locator('ul.tasks > li.task').filter({ has: page.getByRole('button', { name: title, exact: true }) });
const chat = () => page.getByRole('dialog', { name: 'Assistant' });
const log = () => chat().getByRole('log', { name: 'Conversation' });
const lastAnswer = () => log().locator('li.msg.assistant').last();
const filters = () => page.getByRole('complementary', { name: 'Filters and sorting' });

async function shot(name: string, mask: Locator[] = []) {
  // A clean picture for the README: no passing toast.
  await page.locator('.toast').waitFor({ state: 'hidden', timeout: 8_000 });
  await page.screenshot({ path: join(shots, `${name}.png`), mask, maskColor: '#dfe3ec' });
}

/** Sends a message the way a person does (type, Enter) and waits for the whole answer. */
async function say(text: string): Promise<Locator> {
  const before = await log().locator('li.msg.assistant').count();
  const input = chat().getByLabel('Message the assistant');
  await input.fill(text);
  await input.press('Enter');
  await expect.poll(() => log().locator('li.msg.assistant').count()).toBe(before + 1);
  const answer = lastAnswer();
  // The answer is complete when its "…" is gone and the composer is enabled again.
  await answer.locator('.typing').waitFor({ state: 'detached' });
  return answer;
}

describe('the assistant and quick add', () => {
  it('signs in and sends the browser’s time zone to a new profile', async () => {
    await page.goto(tl.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'No tasks yet' }).waitFor();
    // The token said UTC; the first sign-in makes the browser's zone the profile's.
    await expect.poll(async () => (await api<{ tz: string }>('/profile')).tz).toBe(ZONE);
    await expect.poll(() => page.locator('.toast').innerText()).toContain(`Your time zone is now ${ZONE}`);

    // The settings show it; the email for reminders is set there, with errors next to it.
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.waitFor();
    expect(await settings.getByLabel('Time zone').inputValue()).toBe(ZONE);
    const email = settings.getByLabel('Email for reminders');
    await email.fill('not an address');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => settings.locator('#s-email-error').innerText()).toMatch(/email/i);
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await email.fill('me@example.com');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'hidden' });
    const profile = await api<{ tz: string; email: string | null }>('/profile');
    expect([profile.tz, profile.email]).toEqual([ZONE, 'me@example.com']);
  });

  it('adds a task by chat, in the browser’s zone, and links the card to it', async () => {
    const opener = page.getByRole('button', { name: 'Assistant', exact: true });
    await opener.click();
    await chat().waitFor();
    expect(await opener.getAttribute('aria-expanded')).toBe('true');
    // Focus goes to the message box, so typing goes straight in.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('chat-input');

    const answer = await say('add call mom tomorrow at 6pm #family');
    expect(await log().locator('li.msg.user').last().innerText()).toContain('add call mom tomorrow at 6pm #family');
    expect(await answer.locator('.msg-text').innerText()).toMatch(/Added "call mom", due tomorrow at 18:00, #family/);
    const card = answer.locator('.tool-card');
    expect(await card.locator('.tool-label').innerText()).toBe('Added');

    // The list refreshed by itself: the task is there, tagged, due tomorrow 18:00 here.
    const r = row('call mom');
    await r.waitFor();
    expect(await r.locator('.tag-list .tag').allTextContents()).toEqual(['#family']);
    expect(await r.locator('time.due').innerText()).toContain('Tomorrow 18:00');
    const saved = (await allTasks()).find((t) => t.title === 'call mom')!;
    expect(wallClockInZone(saved.due_date!)).toBe(`${dayInZone(1)} 18:00`);
    expect(saved.tags.map((t) => t.name)).toEqual(['family']);

    // The card's link highlights the task and moves focus to it.
    await card.getByRole('button', { name: 'Show task “call mom”' }).click();
    await expect.poll(() => r.getAttribute('class')).toContain('highlight');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('call mom');
    await shot('chat-desktop');
  });

  it('completes the task by chat', async () => {
    await chat().getByLabel('Message the assistant').focus();
    const answer = await say('complete call mom');
    expect(await answer.locator('.msg-text').innerText()).toBe('Done: "call mom".');
    expect(await answer.locator('.tool-card .tool-label').innerText()).toBe('Completed');
    // Gone from the open tasks, shown under Completed with its box ticked.
    await expect.poll(() => row('call mom').count()).toBe(0);
    expect((await allTasks()).find((t) => t.title === 'call mom')!.completed).toBe(true);
    await filters().getByLabel('Status').selectOption('completed');
    await row('call mom').waitFor();
    expect(await row('call mom').locator('.task-check').isChecked()).toBe(true);
    await filters().getByLabel('Status').selectOption('pending');
  });

  it('asks before deleting, and deletes only on yes', async () => {
    await chat().getByLabel('Message the assistant').focus();
    await say('add buy stamps friday at 10am');
    await row('buy stamps').waitFor();

    let answer = await say('delete buy stamps');
    expect(await answer.locator('.msg-text').innerText()).toMatch(/^Delete task \d+ "buy stamps" for good\? Reply yes/);
    expect(await answer.locator('.tool-card.pending .tool-label').innerText()).toBe('Delete?');
    const confirm = chat().getByRole('group', { name: 'Confirm the delete' });
    expect(await confirm.innerText()).toContain('Delete “buy stamps”?');

    // No keeps it.
    await confirm.getByRole('button', { name: 'No, keep it' }).click();
    await expect.poll(() => lastAnswer().locator('.msg-text').innerText()).toMatch(/^OK, I did not delete task \d+ "buy stamps"\.$/);
    expect(await confirm.count()).toBe(0);
    expect((await allTasks()).some((t) => t.title === 'buy stamps')).toBe(true);

    // Asked again, yes deletes it.
    answer = await say('delete buy stamps');
    await confirm.waitFor();
    await shot('chat-confirm-desktop');
    await confirm.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => lastAnswer().locator('.tool-card .tool-label').innerText()).toBe('Deleted');
    await expect.poll(() => row('buy stamps').count()).toBe(0);
    expect((await allTasks()).some((t) => t.title === 'buy stamps')).toBe(false);
  });

  it('shows a failed answer clearly, and tries again', async () => {
    // The server cannot be reached.
    await page.route('**/api/*/chat', (route) => route.abort('connectionrefused'));
    const answer = await say('show my tasks');
    expect(await answer.getByRole('alert').innerText()).toBe('The server cannot be reached. Check your connection and try again.');
    expect(await log().locator('li.msg.user').last().innerText()).toContain('show my tasks');
    await page.unroute('**/api/*/chat');

    // A stream that ends in an error event, as the server sends when a turn fails midway.
    await page.route('**/api/*/chat', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: 'event: error\ndata: {"error":{"code":"internal","message":"something went wrong on our side; try again"},"detail":"x"}\n\n',
      }),
    );
    await chat().getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => lastAnswer().getByRole('alert').innerText()).toBe('something went wrong on our side; try again');
    await page.unroute('**/api/*/chat');

    await chat().getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => lastAnswer().locator('.msg-text').innerText()).toMatch(/^1 task:\n- task \d+: "call mom", .* \(done\)$/); // buy stamps is gone
    expect(await log().getByRole('alert').count()).toBe(0);
    expect(await log().locator('li.msg.user').filter({ hasText: 'show my tasks' }).count()).toBe(1);
  });

  it('keeps the conversation: history, new, open again, delete', async () => {
    const messages = await log().locator('li.msg').count();
    await chat().getByRole('button', { name: 'New conversation' }).click();
    expect(await log().locator('li.msg').count()).toBe(0);
    await say('what is due this week?');

    await chat().getByRole('button', { name: 'History' }).click();
    const list = chat().getByRole('list', { name: 'Conversations' });
    await list.waitFor();
    // Most recently updated first; titled by their first message.
    expect(await list.locator('.conv-title').allTextContents()).toEqual(['what is due this week?', 'add call mom tomorrow at 6pm #family']);

    await list.getByRole('button', { name: /^add call mom/ }).click();
    await expect.poll(() => log().locator('li.msg').count()).toBe(messages);
    // Stored cards come back with their links (added, then completed).
    expect(await log().getByRole('button', { name: 'Show task “call mom”' }).count()).toBe(2);

    await chat().getByRole('button', { name: 'History' }).click();
    await list.getByRole('button', { name: 'Delete conversation “what is due this week?”' }).click();
    await list.getByRole('button', { name: /^Really delete\?/ }).click();
    await expect.poll(() => list.locator('.conv-title').allTextContents()).toEqual(['add call mom tomorrow at 6pm #family']);
    expect((await api<{ id: number }[]>('/conversations')).length).toBe(1);
    await chat().getByRole('button', { name: 'History' }).click(); // back to the conversation
  });

  it('closes with Escape, gives focus back, and keeps the conversation', async () => {
    const messages = await log().locator('li.msg').count();
    await chat().getByLabel('Message the assistant').focus();
    await page.keyboard.press('Escape');
    await chat().waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Assistant');
    // The c shortcut opens it again, where it was.
    await page.keyboard.press('c');
    await chat().waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('chat-input');
    expect(await log().locator('li.msg').count()).toBe(messages);
    await page.keyboard.press('Escape');
    await chat().waitFor({ state: 'hidden' });
  });

  it('previews a natural-language task before saving it, then creates it', async () => {
    const before = (await allTasks()).length;
    const box = page.getByRole('textbox', { name: 'New task' });
    await box.fill('Pay rent every month on the 1st #home p1');
    const form = page.locator('form.quick-add');
    // The recognised words are highlighted, and what will be saved is listed.
    await expect.poll(() => form.locator('mark').allTextContents()).toEqual(['every month on the 1st', '#home', 'p1']);
    expect(await form.locator('mark.hl-recurrence').innerText()).toBe('every month on the 1st');
    expect(await form.locator('mark.hl-tag').innerText()).toBe('#home');
    expect(await form.locator('mark.hl-priority').innerText()).toBe('p1');
    const understood = form.getByRole('definition');
    expect(await understood.allTextContents()).toEqual([
      'Pay rent',
      expect.stringMatching(/ 23:59$/), // the 1st, at the end of the day
      'Every month',
      'High',
      '#home',
    ] as unknown as string[]);
    expect(await page.locator('#quick-understood').innerText()).toMatch(/^Understood: title Pay rent, due .*, repeats Every month, priority High, tag #home\.$/);
    // Nothing is saved yet.
    expect((await allTasks()).length).toBe(before);
    await shot('quickadd-desktop');

    await box.press('Enter');
    const r = row('Pay rent');
    await r.waitFor();
    expect(await box.inputValue()).toBe('');
    expect(await r.locator('.recur').innerText()).toMatch(/monthly/i);
    expect(await r.locator('.badge').innerText()).toMatch(/high/i);
    expect(await r.locator('.tag-list .tag').allTextContents()).toEqual(['#home']);
    const saved = (await allTasks()).find((t) => t.title === 'Pay rent')!;
    expect([saved.recurrence_pattern, saved.priority, saved.tags.map((t) => t.name)]).toEqual(['monthly', 'high', ['home']]);
    // On the 1st, in the browser's (now the profile's) zone.
    expect(wallClockInZone(saved.due_date!)).toMatch(/^\d{4}-\d{2}-01 23:59$/);

    // A line with no title asks instead of saving.
    await box.fill('tomorrow at 9');
    await form.locator('.quick-question').waitFor();
    expect(await form.getByRole('button', { name: 'Add' }).isDisabled()).toBe(true);
    await box.press('Escape');
    expect(await box.inputValue()).toBe('');

    // "More" continues in the full form with what was understood.
    await box.fill('Water lawn every week #garden');
    await expect.poll(() => form.locator('mark.hl-tag').allTextContents()).toEqual(['#garden']);
    await form.getByRole('button', { name: /^More/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Title').inputValue()).toBe('Water lawn');
    expect(await dialog.getByLabel('Repeat').inputValue()).toBe('weekly');
    expect(await dialog.getByRole('list', { name: 'Chosen tags' }).innerText()).toContain('#garden');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await box.fill('');
  });

  it('takes the whole screen on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Assistant', exact: true }).click();
    await chat().waitFor();
    const box = (await chat().boundingBox())!;
    expect([box.x, box.y, box.width, box.height]).toEqual([0, 0, 390, 844]);
    // Opened again, it shows the newest message, above the message box.
    const compose = (await chat().locator('.chat-compose').boundingBox())!;
    await expect
      .poll(async () => {
        const last = (await log().locator('li.msg').last().boundingBox())!;
        return last.y > 0 && last.y + last.height <= compose.y;
      })
      .toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The page under it is out of reach (inert): it cannot take focus.
    expect(
      await page.evaluate(() => {
        document.getElementById('quick-add')!.focus();
        return document.activeElement?.id;
      }),
    ).not.toBe('quick-add');
    await shot('chat-phone');

    // On a phone the card's link closes the chat to show the task; a completed task is not
    // in the (open tasks) list, so it opens in the editor.
    await log().getByRole('button', { name: 'Show task “call mom”' }).first().click();
    await chat().waitFor({ state: 'hidden' });
    const dialog = page.getByRole('dialog', { name: 'Edit task' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Title').inputValue()).toBe('call mom');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
