import { useEffect, useRef, useState } from 'preact/hooks';
import { useModal } from '../lib/modal';
import { ApiError, type Client } from '../lib/api';
import { formatFull } from '../lib/dates';
import {
  changedFields,
  DEFAULT_DUE_TIME,
  draftFromTask,
  draftToInput,
  emptyDraft,
  reminderFromDraft,
  type Draft,
} from '../lib/draft';
import { fieldErrors, type FieldErrors, type FormField } from '../lib/errors';
import type { Reminder, Task } from '../lib/types';
import { TagInput } from './TagInput';

interface Props {
  client: Client;
  zone: string;
  /** The task to edit; null to create one. */
  task: Task | null;
  /** For a new task: the form's starting values (what quick add understood). */
  initial?: Draft;
  /** Pending reminders of `task`. */
  reminders: Reminder[];
  onClose(): void;
  /** Called after every change that reached the server, with a sentence to announce (and the task it created). */
  onChanged(message: string, created?: Task): void;
  /** Deletes the task with an Undo offer; without it the dialog deletes at once. */
  onDelete?(task: Task): void;
  /** A new task's half-typed draft, kept when the dialog closes without saving. */
  onKeepDraft?(draft: Draft | undefined): void;
  /** The form starts from a draft kept earlier. */
  restored?: boolean;
  onUnauthorized(): void;
}

const TITLE_MAX = 200;

/** Order in which fields get focus when several carry an error. */
const fieldOrder: FormField[] = ['title', 'description', 'priority', 'due_date', 'recurrence_pattern', 'recurrence_end_date', 'tags', 'reminder', 'form'];
const focusTarget: Record<Exclude<FormField, 'priority'>, string> = {
  title: 'f-title',
  description: 'f-description',
  due_date: 'f-due-date',
  recurrence_pattern: 'f-recurrence',
  recurrence_end_date: 'f-until',
  tags: 'f-tags',
  reminder: 'f-reminder',
  // A form-wide error is announced (role=alert); the title is where editing usually resumes.
  form: 'f-title',
};

/** The create/edit form, in a modal <dialog>: Escape closes it, Enter saves. */
export function TaskDialog({ client, zone, task, initial, reminders, onClose, onChanged, onDelete, onKeepDraft, restored, onUnauthorized }: Props) {
  const ref = useModal(onClose, 'f-title');
  // After a create whose reminder failed, the dialog keeps editing the created task, so a
  // second Save does not create it twice.
  const [saved, setSaved] = useState<Task | null>(task);
  const [draft, setDraft] = useState<Draft>(() => (task ? draftFromTask(task, zone) : (initial ?? emptyDraft())));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const [start] = useState(() => JSON.stringify(draft));
  const [askDiscard, setAskDiscard] = useState(false);
  const [isRestored, setIsRestored] = useState(!!restored);
  const dirty = JSON.stringify(draft) !== start || isRestored;
  const done = useRef(false);


  // After a save fails, focus moves to the first field with an error; only then, so that
  // clearing one error while typing never moves the caret elsewhere.
  const focusError = useRef(false);
  useEffect(() => {
    if (!focusError.current) return;
    focusError.current = false;
    const first = fieldOrder.find((f) => errors[f]);
    if (!first) return;
    const id = first === 'priority' ? `f-priority-${draft.priority}` : focusTarget[first];
    document.getElementById(id)?.focus();
  }, [errors]);

  function showErrors(e: FieldErrors) {
    focusError.current = true;
    setErrors(e);
  }

  function set<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((d) => ({ ...d, [key]: value }));
    // An edited field's error is stale; the others stay until the next save.
    const field: FormField | undefined =
      key === 'dueDate' || key === 'dueTime'
        ? 'due_date'
        : key === 'until'
          ? 'recurrence_end_date'
          : key === 'recurrence'
            ? 'recurrence_pattern'
            : key.startsWith('reminder')
              ? 'reminder'
              : (key as FormField);
    if (field && errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  }

  function fail(err: unknown): FieldErrors {
    if (err instanceof ApiError && err.status === 401) {
      onUnauthorized();
      return {};
    }
    return fieldErrors(err);
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const { input, errors: local } = draftToInput(draft, zone);
    // The reminder is checked before anything is saved, so a mistake there does not leave
    // a half-done change behind.
    const reminderCheck = reminderFromDraft(draft, saved?.id ?? 0, zone, new Date());
    if (reminderCheck.error) local.reminder = reminderCheck.error;
    if (Object.keys(local).length) {
      showErrors(local);
      return;
    }
    setBusy(true);
    setErrors({});
    let current = saved;
    try {
      if (!current) {
        current = await client.createTask(input);
        setSaved(current);
      } else {
        const before = draftToInput(draftFromTask(current, zone), zone).input;
        const patch = changedFields(before, input);
        if (Object.keys(patch).length) current = await client.updateTask(current.id, patch);
        setSaved(current);
      }
    } catch (err) {
      showErrors(fail(err));
      setBusy(false);
      return;
    }
    const verb = task ? 'Saved' : 'Created';
    const reminder = reminderCheck.reminder && { ...reminderCheck.reminder, task_id: current.id };
    if (reminder) {
      try {
        await client.createReminder(reminder);
        set('reminder', '');
      } catch (err) {
        const fe = fail(err);
        // Whatever field the API names, the reminder caused it; the task itself is saved.
        showErrors({ reminder: Object.values(fe)[0] ?? 'The reminder could not be set.' });
        onChanged(`${verb} “${current.title}”.`);
        setBusy(false);
        return;
      }
    }
    setBusy(false);
    done.current = true;
    onChanged(`${verb} “${current.title}”${reminder ? ' with a reminder' : ''}.`, task ? undefined : current);
    close();
  }

  async function removeReminder(r: Reminder) {
    try {
      await client.deleteReminder(r.id);
      setRemoved((s) => new Set(s).add(String(r.id)));
      onChanged('Reminder removed.');
    } catch (err) {
      showErrors(fail(err));
    }
  }

  async function remove() {
    if (!saved) return;
    if (!confirmDelete) {
      setConfirmDelete(true);
      return;
    }
    if (onDelete) {
      done.current = true;
      // Closed first: the dialog hands the focus back to its opener, then the list moves it on.
      close();
      onDelete(saved);
      return;
    }
    setBusy(true);
    try {
      await client.deleteTask(saved.id);
      onChanged(`Deleted “${saved.title}”.`);
      close();
    } catch (err) {
      showErrors(fail(err));
    } finally {
      setBusy(false);
    }
  }

  function close() {
    ref.current?.close();
  }

  /**
   * Escape or ✕: a new task's draft is kept for the next New task; changes to a task are
   * discarded only after asking.
   */
  function leave(e?: Event) {
    if (done.current || !dirty) {
      if (!saved) onKeepDraft?.(undefined);
      return close();
    }
    if (!saved) {
      onKeepDraft?.(draft);
      return close();
    }
    e?.preventDefault();
    setAskDiscard(true);
    setTimeout(() => document.getElementById('keep-editing')?.focus(), 0);
  }

  const err = (f: FormField) => errors[f] ?? '';
  const described = (f: FormField, hint?: string) => [hint, `${f}-error`].filter(Boolean).join(' ');
  const invalid = (f: FormField) => (errors[f] ? 'true' : undefined);
  // A plain function, not a component, so the live region keeps its DOM node between
  // renders and screen readers announce the change.
  const errorText = (f: FormField) => (
    <p id={`${f}-error`} class="field-error" aria-live="polite">
      {err(f)}
    </p>
  );
  // Characters as the server counts them (code points), not UTF-16 units: an emoji is one.
  const titleLen = [...draft.title.trim()].length;
  const shownReminders = reminders.filter((r) => !removed.has(String(r.id)));

  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        if (askDiscard) setAskDiscard(false);
        else leave(e);
      }}
    >
      <form
        onSubmit={submit}
        noValidate
        onKeyDown={(e) => {
          // Enter saves from any field: selects, radios and date fields included.
          const t = e.target as HTMLElement;
          if (e.key !== 'Enter' || e.isComposing || e.defaultPrevented) return;
          if (t instanceof HTMLSelectElement || (t instanceof HTMLInputElement && ['radio', 'checkbox', 'date', 'time'].includes(t.type))) {
            e.preventDefault();
            e.currentTarget.requestSubmit();
          }
        }}
      >
        <header class="dialog-head">
          <h2 id="dialog-title">{saved ? 'Edit task' : 'New task'}</h2>
          <button type="button" class="ghost icon-only" aria-label="Close" onClick={() => leave()}>
            ✕
          </button>
        </header>
        <div class="dialog-body">
          {askDiscard && (
            <div class="banner confirm" role="alertdialog" aria-labelledby="discard-q">
              <span id="discard-q">Discard your changes to this task?</span>
              <button type="button" class="danger small" onClick={() => { done.current = true; close(); }}>
                Discard
              </button>
              <button type="button" id="keep-editing" class="ghost small" onClick={() => setAskDiscard(false)}>
                Keep editing
              </button>
            </div>
          )}
          {isRestored && !saved && (
            <div class="banner info">
              <span>Your unsaved draft is back.</span>
              <button
                type="button"
                class="ghost small"
                onClick={() => {
                  setDraft(emptyDraft());
                  setIsRestored(false);
                  onKeepDraft?.(undefined);
                  document.getElementById('f-title')?.focus();
                }}
              >
                Discard draft
              </button>
            </div>
          )}
          <p id="form-error" class="form-error" role="alert">
            {err('form')}
          </p>

          <div class="field">
            <label for="f-title">Title</label>
            <input
              id="f-title"
              name="title"
              type="text"
              autocomplete="off"
              value={draft.title}
              aria-invalid={invalid('title')}
              aria-describedby={described('title', 'title-count')}
              onInput={(e) => set('title', e.currentTarget.value)}
            />
            <p id="title-count" class={`hint counter ${titleLen > TITLE_MAX ? 'over' : ''}`}>
              {titleLen}/{TITLE_MAX}
            </p>
            {errorText('title')}
          </div>

          <div class="field">
            <label for="f-description">Notes</label>
            <textarea
              id="f-description"
              name="description"
              rows={3}
              value={draft.description}
              aria-invalid={invalid('description')}
              aria-describedby={described('description')}
              onInput={(e) => set('description', e.currentTarget.value)}
              onKeyDown={(e) => {
                // Enter makes a new line here; Ctrl/Cmd+Enter saves.
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
            />
            {errorText('description')}
          </div>

          <fieldset class="field priority-field" aria-describedby={described('priority')}>
            <legend>Priority</legend>
            <div class="segmented">
              {(['low', 'medium', 'high'] as const).map((p) => (
                <label key={p} class={`seg prio-${p}`}>
                  <input
                    type="radio"
                    name="priority"
                    id={`f-priority-${p}`}
                    value={p}
                    checked={draft.priority === p}
                    onChange={() => set('priority', p)}
                  />
                  <span>{p[0]!.toUpperCase() + p.slice(1)}</span>
                </label>
              ))}
            </div>
            {errorText('priority')}
          </fieldset>

          <div class="field-row">
            <div class="field">
              <label for="f-due-date">Due date</label>
              <input
                id="f-due-date"
                type="date"
                value={draft.dueDate}
                aria-invalid={invalid('due_date')}
                aria-describedby={described('due_date', 'zone-hint')}
                onInput={(e) => {
                  const v = e.currentTarget.value;
                  set('dueDate', v);
                  if (v && !draft.dueTime) set('dueTime', DEFAULT_DUE_TIME);
                }}
              />
            </div>
            <div class="field">
              <label for="f-due-time">Time</label>
              <input
                id="f-due-time"
                type="time"
                value={draft.dueTime}
                aria-invalid={invalid('due_date')}
                aria-describedby={described('due_date', 'zone-hint')}
                onInput={(e) => set('dueTime', e.currentTarget.value)}
              />
            </div>
            {(draft.dueDate || draft.dueTime) && (
              <button
                type="button"
                class="ghost small clear-due"
                onClick={() => {
                  set('dueDate', '');
                  set('dueTime', '');
                }}
              >
                No due date
              </button>
            )}
          </div>
          <p id="zone-hint" class="hint zone-hint">
            Times are in your time zone, {zone}.
          </p>
          {errorText('due_date')}

          <div class="field-row">
            <div class="field wide">
              <label for="f-recurrence">Repeat</label>
              <select
                id="f-recurrence"
                value={draft.recurrence}
                aria-invalid={invalid('recurrence_pattern')}
                aria-describedby={described('recurrence_pattern')}
                onChange={(e) => set('recurrence', e.currentTarget.value as Draft['recurrence'])}
              >
                <option value="">Does not repeat</option>
                <option value="daily">Every day</option>
                <option value="weekly">Every week</option>
                <option value="monthly">Every month</option>
              </select>
            </div>
            <div class="field">
              <label for="f-until">Until (optional)</label>
              <input
                id="f-until"
                type="date"
                value={draft.until}
                disabled={!draft.recurrence}
                aria-invalid={invalid('recurrence_end_date')}
                aria-describedby={described('recurrence_end_date')}
                onInput={(e) => set('until', e.currentTarget.value)}
              />
            </div>
          </div>
          {errorText('recurrence_pattern')}
          {errorText('recurrence_end_date')}

          <div class="field">
            <label for="f-tags">Tags</label>
            <TagInput
              id="f-tags"
              value={draft.tags}
              onChange={(tags) => set('tags', tags)}
              suggest={async (prefix) => (await client.listTags(prefix)).map((t) => t.name)}
              invalid={!!errors.tags}
              describedBy={described('tags', 'tags-hint')}
            />
            <p id="tags-hint" class="hint">
              Letters, digits, - and _. Enter or comma adds a tag.
            </p>
            {errorText('tags')}
          </div>

          <fieldset class="field">
            <legend>Reminders</legend>
            {shownReminders.length > 0 && (
              <ul class="reminder-list" aria-label="Pending reminders">
                {shownReminders.map((r) => (
                  <li key={String(r.id)}>
                    <span>{formatFull(r.remind_at, zone)}</span>
                    <button type="button" class="ghost small" onClick={() => void removeReminder(r)}>
                      Remove<span class="visually-hidden"> reminder at {formatFull(r.remind_at, zone)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <div class="field-row">
              <div class="field">
                <label for="f-reminder">{shownReminders.length ? 'Add a reminder' : 'Remind me'}</label>
                <select
                  id="f-reminder"
                  value={draft.reminder}
                  aria-invalid={invalid('reminder')}
                  aria-describedby={described('reminder')}
                  onChange={(e) => set('reminder', e.currentTarget.value as Draft['reminder'])}
                >
                  <option value="">No reminder</option>
                  <option value="10m">10 minutes before</option>
                  <option value="30m">30 minutes before</option>
                  <option value="1h">1 hour before</option>
                  <option value="1d">1 day before</option>
                  <option value="at">At a time…</option>
                </select>
              </div>
              {draft.reminder === 'at' && (
                <>
                  <div class="field">
                    <label for="f-reminder-date">Reminder date</label>
                    <input
                      id="f-reminder-date"
                      type="date"
                      value={draft.reminderDate}
                      aria-invalid={invalid('reminder')}
                      onInput={(e) => set('reminderDate', e.currentTarget.value)}
                    />
                  </div>
                  <div class="field">
                    <label for="f-reminder-time">Reminder time</label>
                    <input
                      id="f-reminder-time"
                      type="time"
                      value={draft.reminderTime}
                      aria-invalid={invalid('reminder')}
                      onInput={(e) => set('reminderTime', e.currentTarget.value)}
                    />
                  </div>
                </>
              )}
            </div>
            {errorText('reminder')}
          </fieldset>
        </div>
        <footer class="dialog-foot">
          {saved && (
            <button type="button" class={confirmDelete ? 'danger' : 'ghost danger-text'} disabled={busy} onClick={() => void remove()}>
              {confirmDelete ? 'Really delete?' : 'Delete'}
            </button>
          )}
          <span class="spacer" />
          <button type="button" class="ghost" onClick={() => leave()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : saved ? 'Save' : 'Add task'}
          </button>
        </footer>
      </form>
    </dialog>
  );
}
