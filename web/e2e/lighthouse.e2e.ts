// Lighthouse (desktop preset) on the signed-in task list with 20 tasks, in the same headless
// Chromium: performance at least 95 and accessibility 100, or the suite fails.

import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchBrowser, startTaskline, type Taskline } from './harness';

const ZONE = 'Europe/Berlin';

let tl: Taskline;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let debugPort: number;

beforeAll(async () => {
  tl = await startTaskline(ZONE);
  debugPort = await freePort();
  browser = await launchBrowser(ZONE, [`--remote-debugging-port=${debugPort}`]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await tl?.stop();
});

describe('Lighthouse', () => {
  it('scores the signed-in list at least 95 for performance and 100 for accessibility', async () => {
    const tags = ['work', 'home', 'errands'];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${tl.url}/api/${encodeURIComponent(tl.userId)}/tasks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tl.devToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          title: `Task number ${i + 1}`,
          priority: ['low', 'medium', 'high'][i % 3],
          due_date: new Date(Date.now() + (i - 3) * 86_400_000).toISOString(),
          tags: [tags[i % 3]],
        }),
      });
      expect(res.status).toBe(201);
    }
    // Sign in once: the session lives in the profile, which Lighthouse's tab shares.
    await page.goto(tl.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('ul.tasks > li.task').first().waitFor();

    const result = await lighthouse(
      tl.url + '/',
      { port: debugPort, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'] },
      desktopConfig,
    );
    const lhr = result?.lhr;
    expect(lhr, 'Lighthouse produced no report').toBeTruthy();
    const score = (c: string) => Math.round((lhr!.categories[c]?.score ?? 0) * 100);
    const audits = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift']
      .map((a) => `${a} ${lhr!.audits[a]?.displayValue ?? '?'}`)
      .join(', ');
    console.log(`Lighthouse desktop: performance ${score('performance')}, accessibility ${score('accessibility')} (${audits})`);
    // The list, not the sign-in form, was measured.
    expect(lhr!.finalDisplayedUrl).not.toContain('signin');
    expect(lhr!.audits['dom-size']?.numericValue ?? 0).toBeGreaterThan(200);
    expect(score('performance'), audits).toBeGreaterThanOrEqual(95);
    expect(score('accessibility')).toBe(100);
  }, 300_000);
});
