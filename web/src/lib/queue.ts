// Changes made while the server cannot be reached (complete, reopen, delete) wait in
// localStorage and are sent, in order, when the connection returns.

import { ApiError } from './api';

export type OpKind = 'complete' | 'reopen' | 'delete';

export interface QueuedOp {
  kind: OpKind;
  id: string;
  title: string;
}

export const QUEUE_KEY = 'taskline.queue';

/** What the queue needs of the API client. */
export interface QueueClient {
  completeTask(id: string): Promise<unknown>;
  toggleComplete(id: string): Promise<unknown>;
  deleteTask(id: string): Promise<void>;
}

export function loadQueue(storage: Pick<Storage, 'getItem'>, key = QUEUE_KEY): QueuedOp[] {
  try {
    const v = JSON.parse(storage.getItem(key) ?? '[]') as unknown;
    return Array.isArray(v)
      ? v.filter((o): o is QueuedOp => !!o && typeof o === 'object' && ['complete', 'reopen', 'delete'].includes((o as QueuedOp).kind))
      : [];
  } catch {
    return [];
  }
}

export function saveQueue(storage: Pick<Storage, 'setItem' | 'removeItem'>, ops: QueuedOp[], key = QUEUE_KEY): void {
  if (ops.length) storage.setItem(key, JSON.stringify(ops));
  else storage.removeItem(key);
}

/**
 * Adds an operation. A complete and a reopen of the same task cancel out, and a delete
 * replaces what was waiting for that task, so the server only hears the outcome.
 */
export function enqueue(ops: QueuedOp[], op: QueuedOp): QueuedOp[] {
  const same = ops.filter((o) => o.id === op.id);
  const rest = ops.filter((o) => o.id !== op.id);
  if (op.kind === 'delete') return [...rest, op];
  const last = same[same.length - 1];
  if (last && ((last.kind === 'complete' && op.kind === 'reopen') || (last.kind === 'reopen' && op.kind === 'complete'))) {
    return [...rest, ...same.slice(0, -1)];
  }
  return [...ops, op];
}

export interface ReplayResult {
  /** Still waiting: the connection failed again before these were sent. */
  remaining: QueuedOp[];
  sent: QueuedOp[];
  /** Refused by the server (a 404 counts as sent: the task is gone either way). */
  failed: { op: QueuedOp; error: ApiError }[];
}

/** Sends the queue in order; stops at the first network failure and keeps the rest. */
export async function replay(ops: QueuedOp[], client: QueueClient): Promise<ReplayResult> {
  const res: ReplayResult = { remaining: [], sent: [], failed: [] };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    try {
      if (op.kind === 'complete') await client.completeTask(op.id);
      else if (op.kind === 'reopen') await client.toggleComplete(op.id);
      else await client.deleteTask(op.id);
      res.sent.push(op);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'network', String(err));
      if (e.status === 0) {
        res.remaining = ops.slice(i);
        return res;
      }
      if (e.status === 404) res.sent.push(op);
      else res.failed.push({ op, error: e });
    }
  }
  return res;
}

/** True for a failure that means "offline", worth queueing rather than rolling back. */
export function isOffline(err: unknown): boolean {
  return err instanceof ApiError && err.status === 0;
}
