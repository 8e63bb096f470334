// Shapes of the Taskline HTTP API (README: The API).

import type { components } from './api-types';

// The API's shapes come from its OpenAPI document (web/public/openapi.json, generated from
// the Go code by `make openapi`, which also writes ./api-types.ts): they cannot drift.
type Schemas = components['schemas'];

/** A user's tag. */
export type Tag = Schemas['Tag'];

/** A task as the API returns it. Instants are RFC 3339 strings in UTC. */
export type Task = Schemas['Task'];

/** The body of POST /tasks; PATCH /tasks/{id} takes any subset, null clears a field. */
export type TaskInput = Schemas['TaskInput'];

/** A reminder as the API returns it. */
export type Reminder = Schemas['Reminder'];

/** The body of POST /reminders: remind_at (a future instant) or before_due ("1h", "30m", "1d"). */
export type ReminderInput = Schemas['ReminderInput'];

/** A page of tasks. */
export type TaskPage = Schemas['TaskPage'];

/** An error answer. */
export type ErrorBody = Schemas['ErrorBody'];

/** A task's priority; the API defaults to medium. */
export type Priority = Task['priority'];

/** How a task repeats; null when it does not. */
export type Recurrence = NonNullable<Task['recurrence_pattern']>;

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

/** One tool call the assistant made and how it went (a delete may wait for a yes). */
export type ToolCallResult = Schemas['ToolCallResult'];

/** A conversation with the assistant. */
export type Conversation = Schemas['Conversation'];

/** A message of a conversation, oldest first. */
export type ChatMessage = Schemas['Message'];

/** The answer to POST /chat (and the data of the stream's `done` event). */
export type ChatResponse = Schemas['Response'];

/** What quick add understood of a line, before saving (POST /tasks/parse). */
export type Preview = Schemas['Preview'];

/** A part of a quick-add line read as one thing; start and end count UTF-16 code units. */
export type PreviewSpan = Schemas['PreviewSpan'];

/** The user's profile: the time zone of recurrence, reminders and parsed dates, and email. */
export type Profile = Schemas['Profile'];

/** The body of PATCH /profile. */
export type ProfileInput = Schemas['ProfileInput'];

/** A personal access token as listed (never the secret). */
export type Token = Schemas['Token'];

/** The answer to creating a token: the secret, shown only once, and a feed's URL. */
export type TokenCreated = Schemas['TokenCreated'];

/** The body of POST /tokens. */
export type TokenInput = Schemas['TokenInput'];
