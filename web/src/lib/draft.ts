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
