import { formatDue, formatFull, isOverdue } from '../lib/dates';
import type { Reminder, Task } from '../lib/types';
import { Icon } from './Icon';

interface Props {
  task: Task;
  reminders: Reminder[];
  now: Date;
  zone: string;
  busy: boolean;
  /** Just added, or shown from the assistant: drawn so the eye finds it. */
  highlight?: boolean;
  onToggle(task: Task): void;
  onEdit(task: Task): void;
  onTag(name: string): void;
}

const priorityLabel = { high: 'High', medium: 'Medium', low: 'Low' } as const;
const recurrenceLabel = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' } as const;

/** One row of the list: completion checkbox, title (opens the editor) and what is due when. */
export function TaskItem({ task, reminders, now, zone, busy, highlight, onToggle, onEdit, onTag }: Props) {
  const overdue = task.overdue || isOverdue(task.due_date, task.completed, now);
  const cls = ['task', `prio-${task.priority}`, task.completed ? 'done' : '', overdue ? 'overdue' : '', highlight ? 'highlight' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <li class={cls} data-task-id={String(task.id)}>
      <label class="check-hit">
        <input
          type="checkbox"
          class="task-check"
          checked={task.completed}
          disabled={busy}
          aria-label={`${task.completed ? 'Reopen' : 'Complete'} “${task.title}”`}
          onChange={() => onToggle(task)}
        />
      </label>
      <div class="task-body">
        <button type="button" class="task-title" onClick={() => onEdit(task)} title="Edit task">
          {task.title}
        </button>
        {task.description && <p class="task-desc">{task.description}</p>}
        <div class="task-meta">
          <span class={`badge prio prio-${task.priority}`}>
            {priorityLabel[task.priority]}
            <span class="visually-hidden"> priority</span>
          </span>
          {task.due_date && (
            <time class="due" dateTime={task.due_date} title={formatFull(task.due_date, zone)}>
              {overdue ? <Icon name="alert" /> : <Icon name="clock" />}
              {overdue && <strong class="overdue-flag">Overdue</strong>}
              <span class="visually-hidden">, due </span>
              {formatDue(task.due_date, now, zone)}
            </time>
          )}
          {task.recurrence_pattern && (
            <span
              class="recur"
              title={
                task.recurrence_end_date
                  ? `Repeats ${task.recurrence_pattern} until ${formatFull(task.recurrence_end_date, zone)}`
                  : `Repeats ${task.recurrence_pattern}`
              }
            >
              <Icon name="repeat" />
              <span class="visually-hidden">Repeats </span>
              {recurrenceLabel[task.recurrence_pattern]}
            </span>
          )}
          {reminders.length > 0 && (
            <span class="bell" title={reminders.map((r) => formatFull(r.remind_at, zone)).join('\n')}>
              <Icon name="bell" />
              {reminders.length === 1 ? `Reminder ${formatDue(reminders[0]!.remind_at, now, zone)}` : `${reminders.length} reminders`}
            </span>
          )}
          {task.tags.length > 0 && (
            <ul class="tag-list" aria-label="Tags">
              {task.tags.map((t) => (
                <li key={String(t.id)}>
                  <button
                    type="button"
                    class="tag"
                    onClick={() => onTag(t.name)}
                    title={`Show tasks tagged ${t.name}`}
                  >
                    #{t.name}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </li>
  );
}
