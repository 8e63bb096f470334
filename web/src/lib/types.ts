// Shapes of the Taskline HTTP API (README: The API).

/** A task's priority; the API defaults to medium. */
export type Priority = 'low' | 'medium' | 'high';

/** How a task repeats; null when it does not. */
export type Recurrence = 'daily' | 'weekly' | 'monthly';

/** A user's tag. */
export interface Tag {
  id: number | string;
  name: string;
  color: string | null;
  created_at?: string;
}

/** A task as the API returns it. Instants are RFC 3339 strings in UTC. */
export interface Task {
  id: number | string;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  completed_at: string | null;
  due_date: string | null;
  priority: Priority;
  recurrence_pattern: Recurrence | null;
  recurrence_end_date: string | null;
  tags: Tag[];
  overdue: boolean;
  /** The completed instance of a recurring task this one was created from, if any. */
  spawned_from?: number | string | null;
  created_at: string;
  updated_at: string;
}

/** The body of POST /tasks; PATCH /tasks/{id} takes any subset, null clears a field. */
export interface TaskInput {
  title?: string;
  description?: string | null;
  due_date?: string | null;
  priority?: Priority;
  recurrence_pattern?: Recurrence | null;
  recurrence_end_date?: string | null;
  /** Tag names; the API creates the ones that do not exist yet. */
  tags?: string[];
}

/** A reminder as the API returns it. */
export interface Reminder {
  id: number | string;
  task_id: number | string;
  task_title: string;
  remind_at: string;
  status: string;
  sent: boolean;
  sent_at: string | null;
  created_at: string;
}

/** The body of POST /reminders: remind_at (a future instant) or before_due ("1h", "30m", "1d"). */
export interface ReminderInput {
  task_id: number | string;
  remind_at?: string;
  before_due?: string;
}

/** Statuses the list can be filtered by. */
export type StatusFilter = 'all' | 'pending' | 'completed';

/** Sort keys the list understands. */
export type SortKey = 'due_date' | 'priority' | 'created_at' | 'title';

/** Everything the task list can be narrowed and ordered by. */
export interface TaskQuery {
  status: StatusFilter;
  priority: Priority | '';
  tags: string[];
  search: string;
  /** Local calendar dates (YYYY-MM-DD) in the browser's zone; '' when unset. */
  dueFrom: string;
  dueTo: string;
  sort: SortKey;
  order: 'asc' | 'desc';
}

/** A page of tasks. */
export interface TaskPage {
  tasks: Task[];
  count: number;
  next_cursor: string | null;
}
