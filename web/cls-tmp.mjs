import { chromium } from 'playwright-core';
const [url, token] = [process.argv[2], process.argv[3]];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });
const ctx = await b.newContext({ viewport: { width: 1280, height: 800 } });
const p = await ctx.newPage();
await p.goto(url);
await p.getByRole('button', { name: 'Sign in' }).click();
await p.locator('ul.tasks > li.task').first().waitFor();
const q = await ctx.newPage();
await q.addInitScript(() => {
  window.__s = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__s.push({ v: e.value, t: Math.round(e.startTime), src: e.sources.map((s) => (s.node?.className || s.node?.nodeName || '?') + ' ' + JSON.stringify([s.previousRect.y, s.currentRect.y, s.previousRect.height, s.currentRect.height])) }); }).observe({ type: 'layout-shift', buffered: true });
});
await q.goto(url);
await q.locator('ul.tasks:not(.skeleton) > li.task').first().waitFor();
await q.waitForLoadState('networkidle');
console.log(JSON.stringify(await q.evaluate(() => window.__s), null, 1));
await b.close();
