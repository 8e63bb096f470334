import { describe, expect, it } from 'vitest';
import { formatDue, isOverdue, localToday, nextDate, toLocalInputs, zonedInstant } from './dates';

describe('zonedInstant', () => {
  it.each([
    ['2026-11-26', '09:00', 'America/New_York', '2026-11-26T14:00:00.000Z'],
    ['2026-07-01', '09:00', 'America/New_York', '2026-07-01T13:00:00.000Z'],
    ['2026-11-26', '09:00', 'Europe/Berlin', '2026-11-26T08:00:00.000Z'],
    ['2026-11-26', '09:00', 'Asia/Kolkata', '2026-11-26T03:30:00.000Z'],
    ['2026-11-26', '00:00', 'UTC', '2026-11-26T00:00:00.000Z'],
    // 02:30 does not exist on 2026-03-08 in New York: clocks jump, so the time moves forward.
    ['2026-03-08', '02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    // 01:30 happens twice on 2026-11-01 in New York: the first (EDT) is chosen.
    ['2026-11-01', '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['2026-03-29', '02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
  ])('%s %s in %s is %s', (date, time, zone, want) => {
    expect(zonedInstant(date, time, zone)?.toISOString()).toBe(want);
  });

  it.each([
    ['2026-02-30', '09:00'],
    ['2026-13-01', '09:00'],
    ['2026-11-26', '24:00'],
    ['26-11-2026', '09:00'],
    ['', ''],
  ])('rejects %s %s', (date, time) => {
    expect(zonedInstant(date, time, 'UTC')).toBeNull();
  });
});

describe('toLocalInputs', () => {
  it('is the inverse of zonedInstant', () => {
    for (const zone of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Chatham']) {
      const at = zonedInstant('2026-11-26', '23:45', zone)!;
      expect(toLocalInputs(at.toISOString(), zone)).toEqual({ date: '2026-11-26', time: '23:45' });
    }
  });

  it('shows midnight as 00:00', () => {
    expect(toLocalInputs('2026-11-26T05:00:00Z', 'America/New_York')).toEqual({ date: '2026-11-26', time: '00:00' });
  });
});

describe('formatDue', () => {
  const now = new Date('2026-11-26T15:00:00Z'); // 10:00 in New York
  const zone = 'America/New_York';
  it.each([
    ['2026-11-26T22:30:00Z', 'Today 17:30'],
    ['2026-11-27T14:00:00Z', 'Tomorrow 09:00'],
    ['2026-11-25T23:00:00Z', 'Yesterday 18:00'],
    // 03:00 UTC on the 27th is still the 26th in New York.
    ['2026-11-27T03:00:00Z', 'Today 22:00'],
    ['2026-12-04T14:00:00Z', 'Fri 4 Dec, 09:00'],
    ['2027-01-08T14:00:00Z', 'Fri, 8 Jan 2027, 09:00'],
  ])('%s reads %s', (iso, want) => {
    expect(formatDue(iso, now, zone, 'en-GB')).toBe(want);
  });
});

describe('localToday and nextDate', () => {
  it('uses the zone for today', () => {
    const now = new Date('2026-11-27T03:00:00Z');
    expect(localToday(now, 'America/New_York')).toBe('2026-11-26');
    expect(localToday(now, 'Europe/Berlin')).toBe('2026-11-27');
  });
  it('rolls over months and leap days', () => {
    expect(nextDate('2026-11-30')).toBe('2026-12-01');
    expect(nextDate('2028-02-28')).toBe('2028-02-29');
    expect(nextDate('2026-12-31')).toBe('2027-01-01');
  });
});

describe('isOverdue', () => {
  const now = new Date('2026-11-26T15:00:00Z');
  it('marks open tasks due in the past only', () => {
    expect(isOverdue('2026-11-26T14:59:00Z', false, now)).toBe(true);
    expect(isOverdue('2026-11-26T14:59:00Z', true, now)).toBe(false);
    expect(isOverdue('2026-11-26T15:01:00Z', false, now)).toBe(false);
    expect(isOverdue(null, false, now)).toBe(false);
  });
});
