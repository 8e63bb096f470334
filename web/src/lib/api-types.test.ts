// The app's API types are generated from the OpenAPI document the Go code describes
// (public/openapi.json, checked against the code by the Go tests): this fails when
// api-types.ts was not regenerated after the document changed. `make openapi` fixes it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('api-types.ts', () => {
  it('is what openapi-typescript makes of public/openapi.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskline-types-'));
    try {
      const out = join(dir, 'api-types.ts');
      const bin = join(web, 'node_modules', '.bin', 'openapi-typescript');
      const res = spawnSync(bin, [join(web, 'public', 'openapi.json'), '-o', out], { cwd: web, encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      expect(readFileSync(join(web, 'src', 'lib', 'api-types.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
