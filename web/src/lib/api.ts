// The HTTP client for the Taskline API. One place builds URLs, sends the bearer token and
// turns every failure into an ApiError, so components only deal with data or ApiError.

import type {
  ChatMessage,
  ChatResponse,
  Conversation,
  Preview,
  Profile,
  ProfileInput,
  Reminder,
  ReminderInput,
  Tag,
  Task,
  Token,
  TokenCreated,
  TokenInput,
  TaskInput,
  TaskPage,
  TaskQuery,
  ToolCallResult,
} from './types';
import { nextDate, zonedInstant } from './dates';
import { readSSE } from './sse';
import { humanMessage } from './messages';

/** An answer from the API that was not a success, or a request that never got an answer. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status; 0 when the request did not reach the server. */
  readonly status: number;
  /** The API's error code (invalid, not_found, conflict, forbidden, unauthorized, ...). */
  readonly code: string;
  /** The request field the error is about, when the API named one. */
  readonly field: string | undefined;
  /** The API's own, precise message (for logs and tooltips); `message` is for people. */
  readonly detail: string;

  constructor(status: number, code: string, message: string, field?: string, detail?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || undefined;
    this.detail = detail ?? message;
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
  // People read the web app's own sentence for the code and field (lib/messages.ts); the
  // API's precise message stays available as `detail`.
  const human = typeof err?.code === 'string' ? humanMessage(code, field, res.status) : message;
  return new ApiError(res.status, code, human, field, message);
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
  /** What quick add would make of a line (POST /tasks/parse), writing nothing. */
  parseTask(text: string, signal?: AbortSignal): Promise<Preview>;
  /** Creates the task a line describes (POST /tasks?parse=true). */
  quickAdd(text: string): Promise<Task>;
  getProfile(): Promise<Profile>;
  updateProfile(patch: ProfileInput): Promise<Profile>;
  /**
   * Sends a chat message and streams the answer: `on` hears the events as they arrive and
   * the promise resolves with the final answer. A stream that ends in an `error` event, or
   * without `done`, rejects with an ApiError.
   */
  chat(message: string, conversationId: number | null, on: ChatHandlers, signal?: AbortSignal): Promise<ChatResponse>;
  listConversations(limit?: number): Promise<Conversation[]>;
  conversationMessages(id: Conversation['id']): Promise<ChatMessage[]>;
  deleteConversation(id: Conversation['id']): Promise<void>;
  listTokens(): Promise<Token[]>;
  /** Creates a personal access token; the answer's `token` is the secret, shown only this once. */
  createToken(input: TokenInput): Promise<TokenCreated>;
  revokeToken(id: Token['id']): Promise<void>;
}

/** What a streamed chat answer reports as it happens. */
export interface ChatHandlers {
  /** The conversation the answer belongs to (a new one's id arrives here first). */
  start?(conversationId: number): void;
  /** More of the answer's text. */
  delta?(text: string): void;
  /** A tool call that completed, failed, or waits for the user's confirmation. */
  toolCall?(call: ToolCallResult): void;
}

/** The error a stream's `error` event carries, as an ApiError. */
export function streamError(data: string): ApiError {
  let body: { error?: { code?: unknown; message?: unknown; field?: unknown } | null; detail?: unknown } = {};
  try {
    body = JSON.parse(data) as typeof body;
  } catch {
    // fall through to the generic message
  }
  const e = body.error;
  const message =
    typeof e?.message === 'string' && e.message
      ? e.message
      : typeof body.detail === 'string' && body.detail
        ? body.detail
        : 'The assistant could not answer. Try again.';
  const code = typeof e?.code === 'string' ? e.code : 'internal';
  const status = code === 'not_found' ? 404 : code === 'invalid' ? 400 : 500;
  return new ApiError(status, code, message, typeof e?.field === 'string' ? e.field : undefined);
}

/** Creates a Client for the user named by `userId` (the token's subject). */
export function createClient(opts: ClientOptions): Client {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = `${opts.baseUrl ?? ''}/api/${encodeURIComponent(opts.userId)}`;

  async function send(method: string, path: string, body: unknown, accept: string, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: accept,
      Authorization: `Bearer ${opts.token}`,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await send(method, path, body, 'application/json', signal);
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
    parseTask: (text, signal) => call<Preview>('POST', '/tasks/parse', { text }, signal),
    quickAdd: (text) => call<Task>('POST', '/tasks?parse=true', { text }),
    getProfile: () => call<Profile>('GET', '/profile'),
    updateProfile: (patch) => call<Profile>('PATCH', '/profile', patch),
    async chat(message, conversationId, on, signal) {
      const body = conversationId ? { message, conversation_id: conversationId } : { message };
      const res = await send('POST', '/chat', body, 'text/event-stream', signal);
      // A server (or proxy) that does not stream answers with the same object as JSON.
      if (!(res.headers.get('Content-Type') ?? '').includes('text/event-stream') || !res.body) {
        const r = (await res.json()) as ChatResponse;
        on.start?.(r.conversation_id);
        if (r.response) on.delta?.(r.response);
        for (const c of r.tool_calls ?? []) on.toolCall?.(c);
        return r;
      }
      let done: ChatResponse | null = null;
      let failed: ApiError | null = null;
      try {
        await readSSE(res.body, (e) => {
          switch (e.event) {
            case 'start':
              on.start?.((JSON.parse(e.data) as { conversation_id: number }).conversation_id);
              break;
            case 'delta':
              on.delta?.((JSON.parse(e.data) as { text: string }).text);
              break;
            case 'tool_call':
              on.toolCall?.(JSON.parse(e.data) as ToolCallResult);
              break;
            case 'done':
              done = JSON.parse(e.data) as ChatResponse;
              break;
            case 'error':
              failed = streamError(e.data);
              break;
          }
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new ApiError(0, 'network', 'The connection was lost before the answer was complete. Try again.');
      }
      if (failed) throw failed;
      if (!done) throw new ApiError(0, 'network', 'The answer ended early. Try again.');
      return done;
    },
    listConversations: (limit = 50) => call<Conversation[]>('GET', `/conversations?${new URLSearchParams({ limit: String(limit) })}`),
    conversationMessages: (convId) => call<ChatMessage[]>('GET', `/conversations/${id(convId)}/messages`),
    deleteConversation: (convId) => call<void>('DELETE', `/conversations/${id(convId)}`),
    async listTokens() {
      const res = await call<{ tokens?: Token[] }>('GET', '/tokens');
      return res.tokens ?? [];
    },
    createToken: (input) => call<TokenCreated>('POST', '/tokens', input),
    revokeToken: (tokenId) => call<void>('DELETE', `/tokens/${id(tokenId)}`),
  };
}
