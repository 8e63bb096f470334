// The quick-add box's live preview: which parts of the typed line the server read as what
// (POST /tasks/parse answers spans in UTF-16 code units, as JavaScript strings count), and
// the fields it understood, in words.

import { formatDue, formatFull } from './dates';
import type { Preview, PreviewSpan } from './types';

/** Span kinds the preview highlights in the text; the rest (the title) stays plain. */
export const highlighted = ['due', 'recurrence', 'recurrence_end', 'priority', 'tag', 'reminder'] as const;

/** A highlighted kind. */
export type HighlightKind = (typeof highlighted)[number];

/** A run of the typed text, highlighted as `kind` or plain (null). */
export interface Segment {
  text: string;
  kind: HighlightKind | null;
}

function isHighlighted(kind: string): kind is HighlightKind {
  return (highlighted as readonly string[]).includes(kind);
}

/**
 * Cuts `text` into plain and highlighted runs. Spans are clipped to the text, taken in order
 * of their start, and one that overlaps an earlier one is skipped, so every character shows
 * exactly once. Spans from an older answer (the text changed since) may not fit: whatever
 * lies outside the text is ignored.
 */
export function segments(text: string, spans: readonly PreviewSpan[]): Segment[] {
  const usable = spans
    .filter((s) => isHighlighted(s.kind))
    .map((s) => ({ start: Math.max(0, Math.min(s.start, text.length)), end: Math.max(0, Math.min(s.end, text.length)), kind: s.kind as HighlightKind }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Segment[] = [];
  let at = 0;
  for (const s of usable) {
    if (s.start < at) continue; // overlaps what is already shown
    if (s.start > at) out.push({ text: text.slice(at, s.start), kind: null });
    out.push({ text: text.slice(s.start, s.end), kind: s.kind });
    at = s.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), kind: null });
  return out;
}

/** One thing the preview understood, as a labelled value. */
export interface Understood {
  kind: 'title' | HighlightKind;
  label: string;
  value: string;
  /** A longer, unambiguous form (a tooltip), when the value is abbreviated. */
  full?: string;
}

const recurrenceWords: Record<string, string> = { daily: 'Every day', weekly: 'Every week', monthly: 'Every month' };

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** "30m" -> "30 minutes before", "1h" -> "1 hour before", "2d" -> "2 days before". */
export function describeOffset(offset: string): string {
  const m = /^(\d+)\s*([mhdw])$/.exec(offset.trim());
  if (!m) return `${offset} before`;
  const n = Number(m[1]);
  const unit = { m: 'minute', h: 'hour', d: 'day', w: 'week' }[m[2] as 'm' | 'h' | 'd' | 'w'];
  return `${n} ${unit}${n === 1 ? '' : 's'} before`;
}

/** What the preview understood, in the order a person reads a task, with dates in `zone`. */
export function understood(p: Preview, now: Date, zone: string, locale?: string): Understood[] {
  const t = p.task ?? {};
  const out: Understood[] = [];
  const title = str(t.title);
  if (title) out.push({ kind: 'title', label: 'Title', value: title });
  const due = str(t.due_date);
  if (due) out.push({ kind: 'due', label: 'Due', value: formatDue(due, now, zone, locale), full: formatFull(due, zone, locale) });
  const rec = str(t.recurrence_pattern);
  if (rec) {
    const until = str(t.recurrence_end_date);
    out.push({
      kind: 'recurrence',
      label: 'Repeats',
      value: (recurrenceWords[rec] ?? rec) + (until ? `, until ${formatDue(until, now, zone, locale).replace(/,? \d\d:\d\d$/, '')}` : ''),
    });
  }
  const prio = str(t.priority);
  if (prio) out.push({ kind: 'priority', label: 'Priority', value: prio[0]!.toUpperCase() + prio.slice(1) });
  const tags = Array.isArray(t.tags) ? t.tags.filter((x): x is string => typeof x === 'string') : [];
  if (tags.length) out.push({ kind: 'tag', label: tags.length === 1 ? 'Tag' : 'Tags', value: tags.map((x) => `#${x}`).join(' ') });
  const r = p.reminder ?? null;
  if (r) {
    const at = str(r.remind_at);
    const before = str(r.before_due);
    if (at) out.push({ kind: 'reminder', label: 'Reminder', value: formatDue(at, now, zone, locale), full: formatFull(at, zone, locale) });
    else if (before) out.push({ kind: 'reminder', label: 'Reminder', value: describeOffset(before) });
  }
  return out;
}

/** One sentence for screen readers: "Understood: title Pay rent, repeats every month, ...". */
export function understoodSentence(items: Understood[], question: string | null): string {
  if (question) return question;
  if (!items.length) return '';
  return 'Understood: ' + items.map((i) => `${i.label.toLowerCase()} ${i.value}`).join(', ') + '.';
}
