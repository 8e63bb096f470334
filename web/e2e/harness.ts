// Starts what the browser tests drive: the local all-in-one binary (which starts its own
// Postgres in a temporary data dir) and Debian's Chromium through playwright-core. Every
// process started here is stopped by PID in the matching stop function.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (web/e2e/../..). */
export const repoRoot = resolve(here, '..', '..');

/** A running `taskline serve`. */
export interface Taskline {
  url: string;
  devToken: string;
  userId: string;
  logFile: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; the tiny race is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The binary to run: $TASKLINE_BIN, else bin/taskline, built with `go build` when missing. */
export function tasklineBinary(): string {
  const fromEnv = process.env.TASKLINE_BIN;
  if (fromEnv) return resolve(fromEnv);
  const bin = join(repoRoot, 'bin', 'taskline');
  if (!existsSync(bin)) {
    const res = spawnSync('go', ['build', '-o', bin, './cmd/taskline'], { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) throw new Error(`go build ./cmd/taskline failed with status ${res.status}`);
  }
  return bin;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const t = setTimeout(() => resolveExit(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolveExit(true);
    });
  });
}

/**
 * Starts `taskline serve` on a free port with a fresh data dir and waits until the page's
 * /config.json hands out the dev token (which happens once Postgres is up and migrated).
 * `devZone` is the dev user's time zone, in which the server does recurrence math; `env` adds
 * to the binary's environment (CORS_ORIGINS, for example).
 */
export async function startTaskline(devZone = 'UTC', env: Record<string, string> = {}): Promise<Taskline> {
  // The port is free when picked but can be taken before the binary binds it (its own
  // Postgres picks a free port too): then it starts again on another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(devZone, env);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
    }
  }
}

async function startOnce(devZone: string, env: Record<string, string>): Promise<Taskline> {
  const bin = tasklineBinary();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'taskline-e2e-'));
  // mkdtemp makes the dir 0700; Postgres runs as the postgres user and must reach inside.
  chmodSync(dataDir, 0o755);
  const logFile = join(dataDir, 'taskline.log');
  const log = createWriteStream(logFile);
  const child = spawn(bin, ['serve'], {
    cwd: dataDir,
    env: { ...process.env, PORT: String(port), TASKLINE_DATA_DIR: dataDir, TASKLINE_DEV_TZ: devZone, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;

  async function stop() {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // the binary stops its Postgres on SIGTERM
      if (!(await waitForExit(child, 30_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    log.end();
    // Postgres runs as the postgres user inside dataDir; give it a moment to release files.
    for (let i = 0; i < 5; i++) {
      try {
        rmSync(dataDir, { recursive: true, force: true });
        break;
      } catch {
        await sleep(500);
      }
    }
  }

  const deadline = Date.now() + 150_000;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const out = tail(logFile);
      await stop();
      throw new Error(`taskline serve exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`);
    }
    try {
      const res = await fetch(`${url}/config.json`);
      if (res.ok) {
        const cfg = (await res.json()) as { mode?: string; dev_token?: string; user_id?: string };
        if (cfg.dev_token) {
          // The page may come up before the API: wait for an authenticated call to work too.
          const probe = await fetch(`${url}/api/${encodeURIComponent(cfg.user_id ?? '')}/tags`, {
            headers: { Authorization: `Bearer ${cfg.dev_token}` },
          });
          if (probe.ok) {
            return { url, devToken: cfg.dev_token, userId: cfg.user_id ?? '', logFile, stop };
          }
          lastError = `GET /api/.../tags answered ${probe.status}`;
        } else {
          lastError = `config.json has no dev_token: ${JSON.stringify(cfg)}`;
        }
      } else {
        lastError = `config.json answered ${res.status}`;
      }
    } catch (err) {
      lastError = String(err);
    }
    await sleep(300);
  }
  const out = tail(logFile);
  await stop();
  throw new Error(`taskline serve was not ready in time (${lastError}):\n${out}`);
}

/** The flags the issue fixes for Debian's Chromium in a container. */
export const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** A headless Chromium with a fresh profile, pinned to a time zone and a desktop viewport. */
export async function launchBrowser(
  timezoneId: string,
  extraArgs: string[] = [],
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'taskline-chromium-'));
  // Playwright passes the profile as --user-data-dir itself; it refuses the flag in args.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...chromiumFlags, ...extraArgs],
    viewport: { width: 1280, height: 800 },
    timezoneId,
    locale: 'en-GB',
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
