// What the chat panel shows of the assistant's tool calls, and the state of a conversation
// as messages stream in. Pure functions over the API's shapes, so they are unit-tested.

import { formatDue } from './dates';
import type { ChatMessage, ToolCallResult } from './types';

/** Tools whose success changes the user's tasks (or their reminders): the list reloads. */
const changing = new Set([
  'add_task',
  'quick_add',
  'update_task',
  'complete_task',
  'reopen_task',
  'delete_task',
  'set_reminder',
  'delete_reminder',
]);

/** True when the call changed something the task list shows. */
export function changesTasks(call: ToolCallResult): boolean {
  return call.success && changing.has(call.tool);
}

/** How a tool call reads as a card in the conversation. */
export interface ToolCard {
  /** ok: it ran; failed: it did not; pending: it waits for the user's yes or no. */
  state: 'ok' | 'failed' | 'pending';
  /** A short heading: "Added", "Completed", "Delete?" ... */
  label: string;
  /** The sentence under it: the tool's summary, the error, or what waits for a yes. */
  detail: string;
  /** The task it touched, when it names one that still exists. */
  taskId: number | null;
  /** The task's title, when the result carries it. */
  title: string | null;
}

const labels: Record<string, string> = {
  add_task: 'Added',
  quick_add: 'Added',
  update_task: 'Updated',
  complete_task: 'Completed',
  reopen_task: 'Reopened',
  delete_task: 'Deleted',
  set_reminder: 'Reminder set',
  delete_reminder: 'Reminder deleted',
  list_tasks: 'Looked up tasks',
  list_reminders: 'Looked up reminders',
};

const failedLabels: Record<string, string> = {
  add_task: 'Could not add',
  quick_add: 'Could not add',
  update_task: 'Could not update',
  complete_task: 'Could not complete',
  reopen_task: 'Could not reopen',
  delete_task: 'Could not delete',
  set_reminder: 'Could not set the reminder',
  delete_reminder: 'Could not delete the reminder',
  list_tasks: 'Could not look up tasks',
  list_reminders: 'Could not look up reminders',
};

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * The task a result names: a Task (add, update, complete, reopen), quick add's
 * {task, reminder}, a Reminder or a delete's {task_id}.
 */
export function taskOf(call: ToolCallResult): { id: number | null; title: string | null } {
  const r = obj(call.result);
  if (!r) return { id: null, title: null };
  const task = obj(r.task);
  if (task) return { id: num(task.id), title: typeof task.title === 'string' ? task.title : null };
  if (call.tool === 'set_reminder' || call.tool === 'delete_reminder' || 'task_id' in r) {
    const title = typeof r.title === 'string' ? r.title : typeof r.task_title === 'string' ? r.task_title : null;
    return { id: num(r.task_id), title };
  }
  return { id: num(r.id), title: typeof r.title === 'string' ? r.title : null };
}

/** Where and when cards are read: task dates show on this wall clock. */
export interface CardClock {
  now: Date;
  zone: string;
  locale?: string;
}

/**
 * A task result in a person's words: “call mom” · Tomorrow 18:00 · High · Monthly · #family.
 * The tools' own summaries are written for models (UTC instants), so cards use this when the
 * result is a task.
 */
export function describeTask(task: Record<string, unknown>, clock: CardClock): string | null {
  if (typeof task.title !== 'string') return null;
  const parts = [`“${task.title}”`];
  if (typeof task.due_date === 'string' && task.due_date) parts.push(formatDue(task.due_date, clock.now, clock.zone, clock.locale));
  if (task.priority === 'high' || task.priority === 'low') parts.push(task.priority === 'high' ? 'High priority' : 'Low priority');
  if (typeof task.recurrence_pattern === 'string' && task.recurrence_pattern) parts.push(`Repeats ${task.recurrence_pattern}`);
  if (Array.isArray(task.tags)) {
    for (const t of task.tags) {
      const name = typeof t === 'string' ? t : typeof obj(t)?.name === 'string' ? (obj(t)!.name as string) : null;
      if (name) parts.push(`#${name}`);
    }
  }
  return parts.join(' · ');
}

/** The task object inside a result, if the result is (or holds) one. */
function taskObject(call: ToolCallResult): Record<string, unknown> | null {
  const r = obj(call.result);
  if (!r) return null;
  const inner = obj(r.task);
  if (inner) return inner;
  return typeof r.title === 'string' && 'priority' in r ? r : null;
}

/** The card for one tool call; with a clock, a task's details are written for people. */
export function toolCard(call: ToolCallResult, clock?: CardClock): ToolCard {
  const { id, title } = taskOf(call);
  if (call.confirmation_required) {
    return {
      state: 'pending',
      label: call.tool === 'delete_reminder' ? 'Delete reminder?' : 'Delete?',
      detail: title ? `“${title}” is deleted only if you say yes.` : 'Waiting for your yes or no.',
      taskId: id,
      title,
    };
  }
  if (!call.success) {
    return {
      state: 'failed',
      label: failedLabels[call.tool] ?? 'Could not do that',
      detail: call.error ?? 'It did not work.',
      taskId: null,
      title,
    };
  }
  const t = clock ? taskObject(call) : null;
  let detail = (t && clock && describeTask(t, clock)) || call.summary || '';
  // A listing's summary repeats the answer's text (for a model): the count says enough.
  const count = obj(call.result)?.count;
  if ((call.tool === 'list_tasks' || call.tool === 'list_reminders') && typeof count === 'number' && (clock || !detail)) {
    const noun = call.tool === 'list_tasks' ? 'task' : 'reminder';
    detail = `${count} ${noun}${count === 1 ? '' : 's'}`;
  }
  return {
    state: 'ok',
    label: labels[call.tool] ?? call.tool,
    detail: detail || (title ? `“${title}”` : ''),
    // A deleted task has nowhere to go; a listing touched no single task.
    taskId: call.tool === 'delete_task' || call.tool === 'list_tasks' || call.tool === 'list_reminders' ? null : id,
    title,
  };
}

/** A message as the panel holds it: the API's, or one still streaming. */
export interface ChatItem {
  /** The API's id once stored; a local key while streaming. */
  key: string;
  role: 'user' | 'assistant';
  content: string;
  toolCalls: ToolCallResult[];
  /** The answer is still arriving. */
  streaming?: boolean;
  /** The answer failed: this is the error to show (the user's message stays). */
  error?: string;
  /** When it was stored (RFC 3339); absent for a message of this visit. */
  createdAt?: string;
}

/** How long the server keeps a delete waiting for its yes (todo.PendingFor). */
export const CONFIRMATION_WINDOW_MS = 10 * 60_000;

/** The panel's items for a stored conversation. */
export function itemsOf(messages: ChatMessage[]): ChatItem[] {
  return messages.map((m) => ({
    key: `m${m.id}`,
    role: m.role === 'user' ? 'user' : 'assistant',
    content: m.content,
    toolCalls: m.tool_calls ?? [],
    createdAt: m.created_at,
  }));
}

/**
 * The delete waiting for the user's answer: the last message is the assistant's and it
 * holds a call that needs confirmation. Any later message answers it (the server drops
 * held calls on anything but yes), and after CONFIRMATION_WINDOW_MS the server has
 * forgotten the question.
 */
export function pendingConfirmation(items: ChatItem[], now: Date = new Date()): ToolCallResult | null {
  const last = items[items.length - 1];
  if (!last || last.role !== 'assistant' || last.streaming || last.error) return null;
  if (last.createdAt && now.getTime() - Date.parse(last.createdAt) > CONFIRMATION_WINDOW_MS) return null;
  return last.toolCalls.find((c) => c.confirmation_required) ?? null;
}

/** A conversation's name in the history list. */
export function conversationTitle(c: { title: string | null; id: number }): string {
  const t = (c.title ?? '').trim();
  return t || `Conversation ${c.id}`;
}
