import { describe, expect, it } from 'vitest';
import { changedFields, draftFromPreview, draftFromTask, draftToInput, emptyDraft, reminderFromDraft } from './draft';
import type { Task } from './types';

const zone = 'Europe/Berlin';
const task: Task = {
  id: 3,
  user_id: 'dev',
  title: 'Water plants',
  description: '',
  completed: false,
  is_completed: false,
  completed_at: null,
  due_date: '2026-11-27T07:00:00Z',
  priority: 'low',
  recurrence_pattern: 'daily',
  recurrence_day: null,
  recurrence_end_date: '2026-12-31T22:59:00Z',
  tags: [{ id: 1, name: 'home', color: null, created_at: '2026-11-26T10:00:00Z' }],
  overdue: false,
  created_at: '2026-11-26T10:00:00Z',
  updated_at: '2026-11-26T10:00:00Z',
};

describe('draftToInput', () => {
  it('turns wall-clock inputs into UTC instants', () => {
    const { input, errors } = draftToInput(
      { ...emptyDraft(), title: ' Pay rent ', dueDate: '2026-12-01', dueTime: '18:30', recurrence: 'monthly', until: '2027-06-01', tags: ['bills'] },
      zone,
    );
    expect(errors).toEqual({});
    expect(input).toEqual({
      title: 'Pay rent',
      description: null,
      priority: 'medium',
      due_date: '2026-12-01T17:30:00.000Z',
      recurrence_pattern: 'monthly',
      recurrence_end_date: '2027-06-01T21:59:00.000Z',
      tags: ['bills'],
    });
  });

  it('gives a day without a time the default time', () => {
    expect(draftToInput({ ...emptyDraft(), title: 'x', dueDate: '2026-12-01' }, zone).input.due_date).toBe('2026-12-01T08:00:00.000Z');
  });

  it('names the due field when a time has no day', () => {
    expect(draftToInput({ ...emptyDraft(), title: 'x', dueTime: '10:00' }, zone).errors).toEqual({
      due_date: 'Pick a day for this time.',
    });
  });

  it('drops an end date when the task does not repeat', () => {
    expect(draftToInput({ ...emptyDraft(), title: 'x', until: '2026-12-01' }, zone).input.recurrence_end_date).toBeNull();
  });
});

describe('changedFields', () => {
  it('sends nothing when nothing changed, even across zones', () => {
    const before = draftToInput(draftFromTask(task, zone), zone).input;
    const after = draftToInput(draftFromTask(task, zone), zone).input;
    expect(changedFields(before, after)).toEqual({});
  });

  it('sends only the edited fields, and null to clear', () => {
    const d = draftFromTask(task, zone);
    const before = draftToInput(d, zone).input;
    const after = draftToInput({ ...d, priority: 'high', recurrence: '', tags: ['HOME', 'garden'] }, zone).input;
    expect(changedFields(before, after)).toEqual({
      priority: 'high',
      recurrence_pattern: null,
      recurrence_end_date: null,
      tags: ['HOME', 'garden'],
    });
  });

  it('does not resend tags that only changed order or case', () => {
    expect(changedFields({ tags: ['a', 'B'] }, { tags: ['b', 'A'] })).toEqual({});
  });
});

describe('draftFromTask', () => {
  it('shows instants on the local wall clock', () => {
    expect(draftFromTask(task, zone)).toMatchObject({ dueDate: '2026-11-27', dueTime: '08:00', until: '2026-12-31', tags: ['home'] });
    expect(draftFromTask(task, 'America/New_York')).toMatchObject({ dueDate: '2026-11-27', dueTime: '02:00' });
  });
});

describe('reminderFromDraft', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  it('sends an offset before the due time', () => {
    expect(reminderFromDraft({ ...emptyDraft(), dueDate: '2026-11-27', reminder: '1h' }, 3, zone, now)).toEqual({
      reminder: { task_id: 3, before_due: '1h' },
      error: '',
    });
  });
  it('needs a due date for an offset', () => {
    expect(reminderFromDraft({ ...emptyDraft(), reminder: '1h' }, 3, zone, now).error).toMatch(/needs a due date/);
  });
  it('sends a fixed time in the future as an instant', () => {
    expect(
      reminderFromDraft({ ...emptyDraft(), reminder: 'at', reminderDate: '2026-11-26', reminderTime: '20:15' }, 3, zone, now),
    ).toEqual({ reminder: { task_id: 3, remind_at: '2026-11-26T19:15:00.000Z' }, error: '' });
  });
  it('refuses a fixed time in the past', () => {
    expect(
      reminderFromDraft({ ...emptyDraft(), reminder: 'at', reminderDate: '2026-11-26', reminderTime: '12:59' }, 3, zone, now).error,
    ).toBe('Pick a time in the future.');
  });
  it('sends nothing when no reminder was asked for', () => {
    expect(reminderFromDraft(emptyDraft(), 3, zone, now)).toEqual({ reminder: null, error: '' });
  });
});

describe('draftFromPreview', () => {
  it('fills the form with what quick add understood, in the browser’s zone', () => {
    const d = draftFromPreview(
      { title: 'Pay rent', due_date: '2027-01-01T04:59:00Z', recurrence_pattern: 'monthly', priority: 'high', tags: ['home'] },
      'Pay rent every month on the 1st #home p1',
      'America/New_York',
    );
    expect(d).toMatchObject({ title: 'Pay rent', dueDate: '2026-12-31', dueTime: '23:59', recurrence: 'monthly', priority: 'high', tags: ['home'] });
  });

  it('keeps a monthly series’ day while the due date still falls on it', () => {
    // "every month on the 31st" said in November: due Nov 30, the series keeps the 31st.
    const d = draftFromPreview(
      { title: 'Report', due_date: '2026-11-30T17:00:00Z', recurrence_pattern: 'monthly', recurrence_day: 31 },
      'Report every month on the 31st',
      'UTC',
    );
    expect(d.recurrenceDay).toBe(31);
    expect(draftToInput(d, 'UTC').input.recurrence_day).toBe(31);
    // Moved to the 15th in the form, the day no longer describes the series.
    expect(draftToInput({ ...d, dueDate: '2026-11-15' }, 'UTC').input).not.toHaveProperty('recurrence_day');
  });

  it('keeps the typed line as the title when nothing was understood', () => {
    expect(draftFromPreview(null, '  tomorrow at 9 ', 'UTC')).toMatchObject({ title: 'tomorrow at 9', dueDate: '', priority: 'medium', tags: [] });
  });
});
