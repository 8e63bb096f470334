// The HTTP client for the Taskline API. One place builds URLs, sends the bearer token and
// turns every failure into an ApiError, so components only deal with data or ApiError.

import type {
  Reminder,
  ReminderInput,
  Tag,
  Task,
  TaskInput,
  TaskPage,
  TaskQuery,
} from './types';
import { nextDate, zonedInstant } from './dates';

/** An answer from the API that was not a success, or a request that never got an answer. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status; 0 when the request did not reach the server. */
  readonly status: number;
  /** The API's error code (invalid, not_found, conflict, forbidden, unauthorized, ...). */
  readonly code: string;
  /** The request field the error is about, when the API named one. */
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || undefined;
  }
}

/** Options for createClient. */
export interface ClientOptions {
  /** Origin and prefix of the API; '' for the page's own origin. */
  baseUrl?: string;
  token: string;
  userId: string;
  /** Injected so tests can point it at their own server; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const fallbackMessages: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'Your sign-in is no longer valid. Sign in again.',
  403: 'You are not allowed to do that.',
  404: 'That no longer exists.',
  409: 'That conflicts with something that changed meanwhile.',
  422: 'The request was not accepted.',
};

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  const message =
    typeof err?.message === 'string' && err.message !== ''
      ? err.message
      : fallbackMessages[res.status] ?? `The server could not do that (HTTP ${res.status}). Try again.`;
  const code = typeof err?.code === 'string' ? err.code : res.status >= 500 ? 'internal' : 'error';
  const field = typeof err?.field === 'string' ? err.field : undefined;
  return new ApiError(res.status, code, message, field);
}

/**
 * Turns the list's filters into the query string GET /tasks understands. Due dates are local
 * calendar days in `timeZone`: from the start of dueFrom to the start of the day after dueTo.
 */
export function taskSearchParams(q: TaskQuery, timeZone: string, cursor?: string, limit = 50): URLSearchParams {
  const p = new URLSearchParams();
  p.set('status', q.status);
  if (q.priority) p.set('priority', q.priority);
  if (q.tags.length) p.set('tags', q.tags.join(','));
  const search = q.search.trim();
  if (search) p.set('search', search);
  if (q.dueFrom) {
    const from = zonedInstant(q.dueFrom, '00:00', timeZone);
    if (from) p.set('due_after', from.toISOString());
  }
  if (q.dueTo) {
    const to = zonedInstant(nextDate(q.dueTo), '00:00', timeZone);
    if (to) p.set('due_before', to.toISOString());
  }
  p.set('sort', q.sort);
  p.set('order', q.order);
  p.set('limit', String(limit));
  if (cursor) p.set('cursor', cursor);
  return p;
}

/** The calls the app makes, bound to one user and token. */
export interface Client {
  listTasks(q: TaskQuery, timeZone: string, cursor?: string): Promise<TaskPage>;
  getTask(id: Task['id']): Promise<Task>;
  createTask(input: TaskInput): Promise<Task>;
  updateTask(id: Task['id'], patch: TaskInput): Promise<Task>;
  deleteTask(id: Task['id']): Promise<void>;
  /** Marks an open task done (POST .../complete). */
  completeTask(id: Task['id']): Promise<Task>;
  /** Flips a task's completion (PATCH .../complete), used to reopen a completed task. */
  toggleComplete(id: Task['id']): Promise<Task>;
  listTags(prefix?: string): Promise<Tag[]>;
  listReminders(status?: 'pending' | 'sent' | 'all'): Promise<Reminder[]>;
  createReminder(input: ReminderInput): Promise<Reminder>;
  deleteReminder(id: Reminder['id']): Promise<void>;
}

/** Creates a Client for the user named by `userId` (the token's subject). */
export function createClient(opts: ClientOptions): Client {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = `${opts.baseUrl ?? ''}/api/${encodeURIComponent(opts.userId)}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${opts.token}`,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
    }
    if (!res.ok) throw await toApiError(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  const id = (v: string | number) => encodeURIComponent(String(v));

  return {
    async listTasks(q, timeZone, cursor) {
      const page = await call<Partial<TaskPage>>('GET', `/tasks?${taskSearchParams(q, timeZone, cursor)}`);
      const tasks = page.tasks ?? [];
      const next = page.next_cursor || null;
      return { tasks, count: page.count ?? tasks.length, has_more: page.has_more ?? next !== null, next_cursor: next };
    },
    getTask: (taskId) => call<Task>('GET', `/tasks/${id(taskId)}`),
    createTask: (input) => call<Task>('POST', '/tasks', input),
    updateTask: (taskId, patch) => call<Task>('PATCH', `/tasks/${id(taskId)}`, patch),
    deleteTask: (taskId) => call<void>('DELETE', `/tasks/${id(taskId)}`),
    completeTask: (taskId) => call<Task>('POST', `/tasks/${id(taskId)}/complete`),
    toggleComplete: (taskId) => call<Task>('PATCH', `/tasks/${id(taskId)}/complete`),
    async listTags(prefix) {
      const qs = prefix ? `?${new URLSearchParams({ prefix })}` : '';
      const res = await call<{ tags?: Tag[] }>('GET', `/tags${qs}`);
      return res.tags ?? [];
    },
    async listReminders(status = 'pending') {
      const res = await call<{ reminders?: Reminder[] }>('GET', `/reminders?${new URLSearchParams({ status })}`);
      return res.reminders ?? [];
    },
    createReminder: (input) => call<Reminder>('POST', '/reminders', input),
    deleteReminder: (remId) => call<void>('DELETE', `/reminders/${id(remId)}`),
  };
}
