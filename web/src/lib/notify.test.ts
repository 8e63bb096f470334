import { describe, expect, it } from 'vitest';
import { dueNow, nextCheck } from './notify';

const at = (id: number, iso: string) => ({ id, remind_at: iso });
const now = Date.parse('2026-12-02T10:00:00Z');

describe('reminder notifications', () => {
  it('shows a reminder whose time has come, once, and not stale ones', () => {
    const rs = [at(1, '2026-12-02T09:59:30Z'), at(2, '2026-12-02T10:05:00Z'), at(3, '2026-12-02T08:00:00Z')];
    expect(dueNow(rs, now, new Set()).map((r) => r.id)).toEqual([1]);
    expect(dueNow(rs, now, new Set(['1']))).toEqual([]);
  });

  it('wakes up at the next reminder, or within a minute to re-read the list', () => {
    const rs = [at(1, '2026-12-02T10:00:20Z'), at(2, '2026-12-02T10:05:00Z')];
    expect(nextCheck(rs, now, new Set())).toBe(20_000);
    expect(nextCheck(rs, now, new Set(['1']))).toBe(60_000);
    expect(nextCheck([], now, new Set())).toBe(60_000);
  });
});
