import { startTaskline, launchBrowser } from './harness';
const tl = await startTaskline('UTC');
const b = await launchBrowser('UTC');
try {
  const p = b.context.pages()[0] ?? await b.context.newPage();
  await p.emulateMedia({ colorScheme: 'dark' });
  await p.goto(tl.url);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'No tasks yet' }).waitFor();
  for (const [t, pr] of [['Pay rent', 'High'], ['Buy milk', 'Medium'], ['Read book', 'Low']]) {
    await p.keyboard.press('n');
    await p.getByLabel('Title').fill(t);
    await p.getByRole('radio', { name: pr }).check();
    await p.getByLabel('Due date').fill('2026-11-20');
    await p.getByRole('button', { name: 'Add task' }).click();
    await p.getByRole('dialog').waitFor({ state: 'hidden' });
  }
  await p.waitForTimeout(4500);
  await p.screenshot({ path: '/tmp/dark.png' });
  await p.keyboard.press('n');
  await p.getByRole('dialog').waitFor();
  await p.screenshot({ path: '/tmp/dark-dialog.png' });
} finally {
  await b.close();
  await tl.stop();
}
