import { describe, expect, it } from 'vitest';
import { describeOffset, segments, understood, understoodSentence } from './preview';
import type { Preview } from './types';

describe('segments', () => {
  const text = 'Pay rent every month on the 1st #home p1';
  // As POST /tasks/parse answers it: title, recurrence, tag, priority.
  const spans = [
    { start: 0, end: 8, kind: 'title', text: 'Pay rent' },
    { start: 9, end: 31, kind: 'recurrence', text: 'every month on the 1st' },
    { start: 32, end: 37, kind: 'tag', text: '#home' },
    { start: 38, end: 40, kind: 'priority', text: 'p1' },
  ];

  it('highlights what was recognised and keeps every character once', () => {
    const segs = segments(text, spans);
    expect(segs).toEqual([
      { text: 'Pay rent ', kind: null },
      { text: 'every month on the 1st', kind: 'recurrence' },
      { text: ' ', kind: null },
      { text: '#home', kind: 'tag' },
      { text: ' ', kind: null },
      { text: 'p1', kind: 'priority' },
    ]);
    expect(segs.map((s) => s.text).join('')).toBe(text);
  });

  it('counts UTF-16 code units, so text after an emoji lines up', () => {
    const t = '🎂 cake tomorrow';
    // "🎂" is two code units: "tomorrow" starts at 8.
    expect(segments(t, [{ start: 8, end: 16, kind: 'due', text: 'tomorrow' }]).at(-1)).toEqual({ text: 'tomorrow', kind: 'due' });
  });

  it('ignores spans out of order, overlapping or beyond the text (a stale answer)', () => {
    const segs = segments('buy milk #x', [
      { start: 9, end: 11, kind: 'tag', text: '#x' },
      { start: 4, end: 10, kind: 'due', text: 'milk #' },
      { start: 2, end: 6, kind: 'priority', text: 'y mi' },
      { start: 20, end: 30, kind: 'tag', text: 'gone' },
    ]);
    expect(segs).toEqual([
      { text: 'bu', kind: null },
      { text: 'y mi', kind: 'priority' },
      { text: 'lk ', kind: null },
      { text: '#x', kind: 'tag' },
    ]);
    expect(segments('', spans)).toEqual([]);
  });
});

describe('understood', () => {
  const now = new Date('2026-12-02T15:00:00Z'); // Wednesday 10:00 in New York
  const zone = 'America/New_York';

  it('lists the fields in words, dates in the user’s zone', () => {
    const p: Preview = {
      task: {
        title: 'Pay rent',
        due_date: '2027-01-01T14:00:00Z',
        recurrence_pattern: 'monthly',
        priority: 'high',
        tags: ['home'],
      },
      reminder: { before_due: '30m' },
      question: null,
      spans: [],
    };
    const items = understood(p, now, zone, 'en-GB');
    expect(items.map((i) => [i.label, i.value])).toEqual([
      ['Title', 'Pay rent'],
      ['Due', 'Fri, 1 Jan 2027, 09:00'],
      ['Repeats', 'Every month'],
      ['Priority', 'High'],
      ['Tag', '#home'],
      ['Reminder', '30 minutes before'],
    ]);
    expect(understoodSentence(items, null)).toMatch(/^Understood: title Pay rent, due .*, repeats Every month, priority High, tag #home, reminder 30 minutes before\.$/);
  });

  it('says tomorrow for tomorrow, and gives the question instead when there is one', () => {
    const items = understood({ task: { title: 'Call mom', due_date: '2026-12-03T23:00:00Z' }, reminder: null, question: null, spans: [] }, now, zone, 'en-GB');
    expect(items[1]!.value).toMatch(/^Tomorrow 18:00$/);
    expect(understoodSentence([], 'What is the task called?')).toBe('What is the task called?');
    expect(understood({ task: null, reminder: null, question: 'x', spans: [] }, now, zone)).toEqual([]);
  });

  it('reads reminder offsets', () => {
    expect(describeOffset('1h')).toBe('1 hour before');
    expect(describeOffset('2d')).toBe('2 days before');
    expect(describeOffset('1w')).toBe('1 week before');
  });
});
