import { describe, expect, it } from 'vitest';
import { neverSet, zoneChoices } from './profile';

describe('neverSet', () => {
  it('is true until the profile is changed', () => {
    expect(neverSet({ created_at: '2026-12-02T00:00:00.123456Z', updated_at: '2026-12-02T00:00:00.123456Z' })).toBe(true);
    expect(neverSet({ created_at: '2026-12-02T00:00:00Z', updated_at: '2026-12-02T00:05:00Z' })).toBe(false);
  });
});

describe('zoneChoices', () => {
  it('offers IANA zones, sorted, always with the current one and UTC', () => {
    const z = zoneChoices('America/New_York');
    expect(z).toContain('America/New_York');
    expect(z).toContain('UTC');
    expect(zoneChoices('Etc/Unknown')).toContain('Etc/Unknown');
    expect([...z].sort((a, b) => a.localeCompare(b))).toEqual(z);
  });
});
