// The page people use, driven in headless Chromium against the real local binary and its
// own Postgres: what a person would do, and what they would see.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, repoRoot, startTaskline, type Taskline } from './harness';
import { apiReader, zoneClock } from './observe';

// Not UTC, and with DST, so a bug that ignores the browser's zone shows.
const ZONE = 'America/New_York';
const shots = join(repoRoot, 'web', 'e2e', 'screenshots');

let tl: Taskline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  tl = await startTaskline(ZONE);
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

const list = () => page.locator('ul.tasks');
const row = (title: string) => page.locator('ul.tasks > li.task').filter({ has: page.getByRole('button', { name: title, exact: true }) });
const filters = () => page.getByRole('complementary', { name: 'Filters and sorting' });

async function shownTitles(): Promise<string[]> {
  if (!(await list().isVisible())) return [];
  return (await page.locator('ul.tasks .task-title').allTextContents()).sort();
}

async function shot(name: string, mask: Locator[] = []) {
  await page.screenshot({ path: join(shots, `${name}.png`), mask, maskColor: '#dfe3ec' });
}

async function openNewTask(): Promise<Locator> {
  // Shortcuts are ignored while typing in a field (so "n" can be typed), so leave any
  // field first, as a person would by clicking on the page.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'New task' });
  await dialog.waitFor();
  return dialog;
}

interface NewTask {
  title: string;
  priority?: 'Low' | 'Medium' | 'High';
  dueDate?: string;
  dueTime?: string;
  repeat?: 'Every day' | 'Every week' | 'Every month';
  tags?: string[];
}

async function createTask(t: NewTask) {
  const dialog = await openNewTask();
  await dialog.getByLabel('Title').fill(t.title);
  if (t.priority) await dialog.getByRole('radio', { name: t.priority }).check();
  if (t.dueDate) await dialog.getByLabel('Due date').fill(t.dueDate);
  if (t.dueTime) await dialog.getByLabel('Time', { exact: true }).fill(t.dueTime);
  if (t.repeat) await dialog.getByLabel('Repeat').selectOption({ label: t.repeat });
  for (const tag of t.tags ?? []) {
    await dialog.getByRole('combobox', { name: 'Tags' }).fill(tag);
    await dialog.getByRole('combobox', { name: 'Tags' }).press(',');
  }
  await dialog.getByRole('button', { name: 'Add task' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await row(t.title).first().waitFor();
}

describe('Taskline in the browser', () => {
  it('signs in with the pre-filled dev token and keeps the session across reloads', async () => {
    await page.goto(tl.url);
    const token = page.getByLabel('Access token');
    await token.waitFor();
    expect(await token.inputValue()).toBe(tl.devToken);
    // The token dies with the test's server, but a committed picture should not carry one.
    await shot('signin-desktop', [token]);

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'No tasks yet' }).waitFor();
    await shot('empty-desktop');

    await page.reload();
    await page.getByRole('heading', { name: 'No tasks yet' }).waitFor();
    expect(await page.getByLabel('Access token').count()).toBe(0);
  });

  it('creates a high-priority task with tags and a due date in the browser’s time zone', async () => {
    const tomorrow = dayInZone(1);
    const dialog = await openNewTask();
    // The dialog focuses the title, so typing goes straight in.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-title');
    await page.keyboard.type('Pay rent');
    await dialog.getByRole('radio', { name: 'High' }).check();
    await dialog.getByLabel('Due date').fill(tomorrow);
    await dialog.getByLabel('Time', { exact: true }).fill('18:30');
    const tags = dialog.getByRole('combobox', { name: 'Tags' });
    await tags.fill('bills');
    await tags.press('Enter');
    await tags.fill('home');
    await tags.press('Enter');
    expect(await dialog.getByRole('list', { name: 'Chosen tags' }).getByRole('listitem').allTextContents()).toEqual(['#bills', '#home']);
    // Enter in the (empty) tag field submits the form.
    await tags.press('Enter');
    await dialog.waitFor({ state: 'hidden' });

    const r = row('Pay rent');
    await r.waitFor();
    expect(await r.locator('.badge').innerText()).toMatch(/high/i);
    expect(await r.locator('time.due').innerText()).toContain('Tomorrow 18:30');
    expect(await r.locator('.tag-list .tag').allTextContents()).toEqual(['#bills', '#home']);
    // High priority is red.
    expect(await r.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(198, 40, 40)');

    const saved = (await allTasks()).find((t) => t.title === 'Pay rent')!;
    expect(saved.priority).toBe('high');
    expect(wallClockInZone(saved.due_date!)).toBe(`${tomorrow} 18:30`);
    expect(saved.tags.map((t) => t.name).sort()).toEqual(['bills', 'home']);
  });

  it('completes tags from the user’s tags while typing', async () => {
    const dialog = await openNewTask();
    await dialog.getByLabel('Title').fill('Buy milk');
    const tags = dialog.getByRole('combobox', { name: 'Tags' });
    await tags.fill('ho');
    const option = dialog.getByRole('option', { name: '#home' });
    await option.waitFor();
    expect(await tags.getAttribute('aria-expanded')).toBe('true');
    await tags.press('Enter');
    expect(await dialog.getByRole('list', { name: 'Chosen tags' }).innerText()).toContain('#home');
    expect(await tags.inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Add task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row('Buy milk').waitFor();

    await createTask({ title: 'Call plumber', priority: 'High', tags: ['home'], dueDate: dayInZone(3), dueTime: '10:00' });
    await createTask({ title: 'Write report', priority: 'Low', tags: ['work'], dueDate: dayInZone(2), dueTime: '17:00' });
    expect(await shownTitles()).toEqual(['Buy milk', 'Call plumber', 'Pay rent', 'Write report']);
  });

  it('filters by tag and priority, sorts, and says when nothing matches', async () => {
    // Due range, in local days: the day after tomorrow through the day after that.
    await filters().getByLabel('From').fill(dayInZone(2));
    await filters().getByLabel('To').fill(dayInZone(3));
    await expect.poll(shownTitles).toEqual(['Call plumber', 'Write report']);
    await filters().getByLabel('From').fill('');
    await filters().getByLabel('To').fill('');
    await expect.poll(shownTitles).toHaveLength(4);

    await filters().getByRole('button', { name: '#home' }).click();
    await expect.poll(shownTitles).toEqual(['Buy milk', 'Call plumber', 'Pay rent']);
    expect(await filters().getByRole('button', { name: '#home' }).getAttribute('aria-pressed')).toBe('true');

    await filters().getByLabel('Priority').selectOption('high');
    await expect.poll(shownTitles).toEqual(['Call plumber', 'Pay rent']);
    expect(new URL(page.url()).searchParams.get('tags')).toBe('home');
    expect(new URL(page.url()).searchParams.get('priority')).toBe('high');
    await shot('filtered-desktop');

    // Sorting: by title, then reversed.
    await filters().getByLabel('Sort by').selectOption('title');
    await filters().getByLabel('Order').selectOption('asc');
    await expect.poll(() => page.locator('ul.tasks .task-title').allTextContents()).toEqual(['Call plumber', 'Pay rent']);
    await filters().getByLabel('Order').selectOption('desc');
    await expect.poll(() => page.locator('ul.tasks .task-title').allTextContents()).toEqual(['Pay rent', 'Call plumber']);

    // No task carries both #home and #work.
    await filters().getByRole('button', { name: '#work' }).click();
    const empty = page.getByRole('heading', { name: 'No tasks match' });
    await empty.waitFor();
    expect(await page.locator('.empty').innerText()).toContain('high priority, tagged #home and #work');
    await shot('no-match-desktop');

    await page.locator('.empty').getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(shownTitles).toEqual(['Buy milk', 'Call plumber', 'Pay rent', 'Write report']);
    expect(new URL(page.url()).search).toBe('?sort=title&order=desc');
    await filters().getByLabel('Sort by').selectOption('due_date');
    await filters().getByLabel('Order').selectOption('asc');
  });

  it('searches as you type, from the / shortcut', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
    await page.keyboard.type('plumb');
    await expect.poll(shownTitles).toEqual(['Call plumber']);
    expect(await page.locator('.count').innerText()).toBe('1 task');

    await page.keyboard.press('Escape');
    await expect.poll(shownTitles).toEqual(['Buy milk', 'Call plumber', 'Pay rent', 'Write report']);

    await page.keyboard.type('zebra');
    await page.getByRole('heading', { name: 'No tasks match' }).waitFor();
    expect(await page.locator('.empty').innerText()).toContain('matching “zebra”');
    await page.keyboard.press('Escape');
    await expect.poll(shownTitles).toHaveLength(4);
  });

  it('completes a daily task, and tomorrow’s instance appears', async () => {
    const today = dayInZone(0);
    const tomorrow = dayInZone(1);
    await createTask({ title: 'Water plants', dueDate: today, dueTime: '00:00', repeat: 'Every day', tags: ['home'] });
    const first = row('Water plants');
    expect(await first.locator('.recur').innerText()).toMatch(/daily/i);
    // Due at midnight today: already past, so marked overdue.
    expect(await first.locator('.overdue-flag').innerText()).toMatch(/overdue/i);
    expect(await first.locator('time.due').innerText()).toContain('Today 00:00');
    await page.locator('.toast').waitFor({ state: 'hidden' }); // a clean picture for the README
    await shot('list-desktop');

    // click, not check(): check() clicks again when the box it clicked has left the page,
    // and here the completed row gives way to the next instance, with the same name, at once.
    await page.getByRole('checkbox', { name: 'Complete “Water plants”' }).click();
    await expect
      .poll(async () => (await row('Water plants').count()) === 1 && (await row('Water plants').locator('time.due').innerText()), {
        timeout: 15_000,
      })
      .toContain('Tomorrow 00:00');
    const next = row('Water plants');
    expect(await next.locator('.overdue-flag').count()).toBe(0);
    expect(await next.locator('.recur').innerText()).toMatch(/daily/i);
    // The list may show the instance a moment before the toast names it.
    await expect.poll(() => page.locator('.toast').innerText()).toContain('Next one: Tomorrow 00:00');

    const plants = (await allTasks()).filter((t) => t.title === 'Water plants');
    expect(plants.map((t) => [t.completed, wallClockInZone(t.due_date!)]).sort()).toEqual([
      [false, `${tomorrow} 00:00`],
      [true, `${today} 00:00`],
    ]);
    // The completed one is under "Completed".
    await filters().getByLabel('Status').selectOption('completed');
    await expect.poll(shownTitles).toEqual(['Water plants']);
    expect(await row('Water plants').locator('.task-check').isChecked()).toBe(true);
    await filters().getByLabel('Status').selectOption('pending');
    await expect.poll(shownTitles).toHaveLength(5);
  });

  it('sets a reminder one hour before the due time', async () => {
    await page.getByRole('button', { name: 'Pay rent', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit task' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Title').inputValue()).toBe('Pay rent');
    expect(await dialog.getByLabel('Time', { exact: true }).inputValue()).toBe('18:30');
    await dialog.getByLabel('Remind me').selectOption({ label: '1 hour before' });
    await dialog.getByLabel('Remind me').scrollIntoViewIfNeeded();
    await shot('dialog-desktop');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await expect.poll(() => row('Pay rent').locator('.bell').count()).toBe(1);
    expect(await row('Pay rent').locator('.bell').innerText()).toContain('Reminder Tomorrow 17:30');

    const { reminders } = await api<{ reminders: { task_title: string; remind_at: string }[] }>('/reminders');
    expect(reminders.map((r) => [r.task_title, wallClockInZone(r.remind_at)])).toEqual([['Pay rent', `${dayInZone(1)} 17:30`]]);

    // The reminder is listed when the task is opened again; a second one at a fixed time,
    // first in the past (refused before anything is sent), then tomorrow morning.
    await page.getByRole('button', { name: 'Pay rent', exact: true }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('list', { name: 'Pending reminders' }).getByRole('listitem').count()).toBe(1);
    await dialog.getByLabel('Add a reminder').selectOption({ label: 'At a time…' });
    await dialog.getByLabel('Reminder date').fill(dayInZone(-1));
    await dialog.getByLabel('Reminder time').fill('09:15');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('#reminder-error').innerText()).toBe('Pick a time in the future.');
    await dialog.getByLabel('Reminder date').fill(dayInZone(1));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => row('Pay rent').locator('.bell').innerText()).toContain('2 reminders');
    const after = await api<{ reminders: { remind_at: string }[] }>('/reminders');
    expect(after.reminders.map((r) => wallClockInZone(r.remind_at))).toEqual([`${dayInZone(1)} 09:15`, `${dayInZone(1)} 17:30`]);

    // Escape closes the dialog without saving.
    await page.getByRole('button', { name: 'Pay rent', exact: true }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('shows the API’s error next to the title for a 201-character title', async () => {
    const before = (await allTasks()).length;
    const dialog = await openNewTask();
    const title = dialog.getByLabel('Title');
    await title.fill('x'.repeat(201));
    expect(await dialog.locator('#title-count').innerText()).toBe('201/200');
    await dialog.getByRole('button', { name: 'Add task' }).click();

    const error = dialog.locator('#title-error');
    // The app's own sentence for the API's invalid title (lib/messages.ts), not the API's wording.
    await expect.poll(() => error.innerText()).toBe('Give the task a title of at most 200 characters.');
    expect(await title.getAttribute('aria-invalid')).toBe('true');
    expect((await title.getAttribute('aria-describedby'))?.split(' ')).toContain('title-error');
    // Next to the field: in the same field group, right below the input.
    expect(await error.evaluate((el) => el.closest('.field')?.querySelector('input')?.id)).toBe('f-title');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-title');
    await shot('validation-desktop');

    expect(await dialog.isVisible()).toBe(true);
    expect((await allTasks()).length).toBe(before);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('edits a task (only what changed is sent) and deletes one', async () => {
    await page.getByRole('button', { name: 'Buy milk', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit task' });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'Low' }).check();
    await dialog.getByRole('button', { name: 'Remove tag home' }).click();
    const tags = dialog.getByRole('combobox', { name: 'Tags' });
    await tags.fill('errands');
    await tags.press('Enter');
    await dialog.getByLabel('Notes').fill('Oat milk, two litres');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const r = row('Buy milk');
    await expect.poll(() => r.locator('.badge').innerText()).toMatch(/low/i);
    expect(await r.locator('.tag-list .tag').allTextContents()).toEqual(['#errands']);
    expect(await r.locator('.task-desc').innerText()).toBe('Oat milk, two litres');
    const saved = (await allTasks()).find((t) => t.title === 'Buy milk')!;
    expect([saved.priority, saved.tags.map((t) => t.name)]).toEqual(['low', ['errands']]);

    await page.getByRole('button', { name: 'Write report', exact: true }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Really delete?' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => row('Write report').count()).toBe(0);
    // The delete is sent once its Undo offer has expired.
    await expect.poll(async () => (await allTasks()).some((t) => t.title === 'Write report'), { timeout: 15_000 }).toBe(false);
  });

  it('fits a phone-sized screen in one column', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await list().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await filters().isVisible()).toBe(false);
    const pane = (await page.locator('.list-pane').boundingBox())!;
    expect(pane.width).toBeGreaterThan(340);
    await shot('list-phone');

    await page.getByRole('button', { name: /^Filters/ }).click();
    await filters().waitFor();
    const aside = (await filters().boundingBox())!;
    expect(aside.x + aside.width).toBeLessThanOrEqual(390);
    expect(Math.abs(aside.x - pane.x)).toBeLessThan(2); // stacked, not side by side
    await shot('filters-phone');
    await page.getByRole('button', { name: /^Filters/ }).click();

    await page.getByRole('button', { name: 'Pay rent', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit task' });
    await dialog.waitFor();
    expect((await dialog.boundingBox())!.width).toBe(390);
    await shot('dialog-phone');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
