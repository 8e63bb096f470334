// The task form's state and its translation to API requests: wall-clock inputs in the
// browser's zone become RFC 3339 instants, and an edit sends only what changed.

import type { FieldErrors } from './errors';
import { toLocalInputs, zonedInstant } from './dates';
import type { Priority, Recurrence, ReminderInput, Task, TaskInput } from './types';

/** Reminder choices offered in the form: an offset before the due time, or a fixed time. */
export type ReminderChoice = '' | '10m' | '30m' | '1h' | '1d' | 'at';

/** What the task form holds while a person edits it. */
export interface Draft {
  title: string;
  description: string;
  priority: Priority;
  dueDate: string; // YYYY-MM-DD or ''
  dueTime: string; // HH:MM or ''
  recurrence: Recurrence | '';
  until: string; // YYYY-MM-DD or ''
  tags: string[];
  reminder: ReminderChoice;
  reminderDate: string;
  reminderTime: string;
  /**
   * A monthly series' day (1..31) when it is not simply the due date's: "every month on the
   * 31st" said in February is due Feb 28 and keeps the 31st. Not shown; kept from quick add.
   */
  recurrenceDay: number | null;
}

/** The time a due date gets when only the day was picked. */
export const DEFAULT_DUE_TIME = '09:00';

/** An empty form for a new task. */
export function emptyDraft(): Draft {
  return {
    title: '',
    description: '',
    priority: 'medium',
    dueDate: '',
    dueTime: '',
    recurrence: '',
    until: '',
    tags: [],
    reminder: '',
    reminderDate: '',
    reminderTime: '',
    recurrenceDay: null,
  };
}

/** The form for editing `task`, showing its instants on the wall clock of `zone`. */
export function draftFromTask(task: Task, zone: string): Draft {
  const due = task.due_date ? toLocalInputs(task.due_date, zone) : { date: '', time: '' };
  return {
    ...emptyDraft(),
    title: task.title,
    description: task.description ?? '',
    priority: task.priority,
    dueDate: due.date,
    dueTime: due.time,
    recurrence: task.recurrence_pattern ?? '',
    until: task.recurrence_end_date ? toLocalInputs(task.recurrence_end_date, zone).date : '',
    tags: task.tags.map((t) => t.name),
  };
}

/**
 * True when the form still describes the monthly series its recurrenceDay belongs to: the
 * due date falls on that day, or on the month's last day when the month is shorter.
 */
function keepsRecurrenceDay(d: Draft): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d.dueDate);
  if (d.recurrence !== 'monthly' || !d.recurrenceDay || !m) return false;
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return Number(m[3]) === Math.min(d.recurrenceDay, last);
}

/** A full TaskInput from the form, or the errors that keep it from being one. */
export function draftToInput(d: Draft, zone: string): { input: TaskInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  let due: string | null = null;
  if (d.dueDate) {
    const at = zonedInstant(d.dueDate, d.dueTime || DEFAULT_DUE_TIME, zone);
    if (at) due = at.toISOString();
    else errors.due_date = 'Enter a valid date and time.';
  } else if (d.dueTime) {
    errors.due_date = 'Pick a day for this time.';
  }
  let until: string | null = null;
  if (d.recurrence && d.until) {
    // The last day counts in full: an instance due any time that day may still be created.
    const at = zonedInstant(d.until, '23:59', zone);
    if (at) until = at.toISOString();
    else errors.recurrence_end_date = 'Enter a valid date.';
  }
  const input: TaskInput = {
    ...(keepsRecurrenceDay(d) ? { recurrence_day: d.recurrenceDay } : {}),
    title: d.title.trim(),
    description: d.description.trim() === '' ? null : d.description,
    priority: d.priority,
    due_date: due,
    recurrence_pattern: d.recurrence || null,
    recurrence_end_date: until,
    tags: d.tags,
  };
  return { input, errors };
}

function sameTags(a: string[] = [], b: string[] = []): boolean {
  const norm = (x: string[]) => x.map((s) => s.toLowerCase()).sort().join(',');
  return norm(a) === norm(b);
}

/** The fields of `next` that differ from `prev`: the body of a PATCH. */
export function changedFields(prev: TaskInput, next: TaskInput): TaskInput {
  const out: TaskInput = {};
  const keys: (keyof TaskInput)[] = [
    'title',
    'description',
    'priority',
    'due_date',
    'recurrence_pattern',
    'recurrence_end_date',
  ];
  for (const k of keys) {
    const a = prev[k] ?? null;
    const b = next[k] ?? null;
    const equal = typeof a === 'string' && typeof b === 'string' && k.endsWith('_date') ? Date.parse(a) === Date.parse(b) : a === b;
    if (!equal) (out as Record<string, unknown>)[k] = next[k] ?? null;
  }
  if (!sameTags(prev.tags ?? undefined, next.tags ?? undefined)) out.tags = next.tags ?? [];
  return out;
}

/** The reminder to create for a saved task, or the error that keeps it from being one. */
export function reminderFromDraft(
  d: Draft,
  taskId: Task['id'],
  zone: string,
  now: Date,
): { reminder: ReminderInput | null; error: string } {
  if (!d.reminder) return { reminder: null, error: '' };
  if (d.reminder === 'at') {
    const at = zonedInstant(d.reminderDate, d.reminderTime || DEFAULT_DUE_TIME, zone);
    if (!at) return { reminder: null, error: 'Pick the day and time of the reminder.' };
    if (at.getTime() <= now.getTime()) return { reminder: null, error: 'Pick a time in the future.' };
    return { reminder: { task_id: taskId, remind_at: at.toISOString() }, error: '' };
  }
  if (!d.dueDate) return { reminder: null, error: 'A reminder before the due time needs a due date.' };
  return { reminder: { task_id: taskId, before_due: d.reminder }, error: '' };
}

/**
 * The form filled with what quick add understood of a line (POST /tasks/parse's task), so
 * "More" continues in the full form without retyping. Unknown or malformed fields are left
 * empty; with no title understood, the whole line is the title.
 */
export function draftFromPreview(task: Record<string, unknown> | null, line: string, zone: string): Draft {
  const d = emptyDraft();
  const t = task ?? {};
  d.title = typeof t.title === 'string' && t.title ? t.title : line.trim();
  if (t.priority === 'low' || t.priority === 'medium' || t.priority === 'high') d.priority = t.priority;
  if (typeof t.due_date === 'string' && !Number.isNaN(Date.parse(t.due_date))) {
    const due = toLocalInputs(t.due_date, zone);
    d.dueDate = due.date;
    d.dueTime = due.time;
  }
  if (t.recurrence_pattern === 'daily' || t.recurrence_pattern === 'weekly' || t.recurrence_pattern === 'monthly') {
    d.recurrence = t.recurrence_pattern;
    if (typeof t.recurrence_end_date === 'string' && !Number.isNaN(Date.parse(t.recurrence_end_date))) {
      d.until = toLocalInputs(t.recurrence_end_date, zone).date;
    }
  }
  if (typeof t.recurrence_day === 'number' && d.recurrence === 'monthly') d.recurrenceDay = t.recurrence_day;
  if (Array.isArray(t.tags)) d.tags = t.tags.filter((x): x is string => typeof x === 'string');
  return d;
}
