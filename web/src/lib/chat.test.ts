import { describe, expect, it } from 'vitest';
import { changesTasks, conversationTitle, itemsOf, pendingConfirmation, taskOf, toolCard, type ChatItem } from './chat';
import type { ToolCallResult } from './types';

const task = { id: 5, title: 'Call mom', tags: [], completed: false };

function call(p: Partial<ToolCallResult>): ToolCallResult {
  return { tool: 'add_task', success: true, result: null, error: null, ...p };
}

describe('toolCard', () => {
  it('links an added task, with the tool’s own summary', () => {
    const c = toolCard(call({ result: task, summary: 'Created task 5 "Call mom", due tomorrow' }));
    expect(c).toEqual({ state: 'ok', label: 'Added', detail: 'Created task 5 "Call mom", due tomorrow', taskId: 5, title: 'Call mom' });
  });

  it('writes a task’s details for people when it knows the clock', () => {
    const result = { ...task, due_date: '2026-12-03T02:00:00Z', priority: 'high', recurrence_pattern: null, tags: [{ id: 1, name: 'family' }] };
    const c = toolCard(call({ result, summary: 'Created task 5 "Call mom" (due 2026-12-03T02:00:00Z)' }), {
      now: new Date('2026-12-02T00:30:00Z'),
      zone: 'America/Los_Angeles',
      locale: 'en-GB',
    });
    expect(c.detail).toBe('“Call mom” · Tomorrow 18:00 · High priority · #family');
  });

  it('finds the task in quick add’s and a reminder’s results', () => {
    expect(taskOf(call({ tool: 'quick_add', result: { task, reminder: null } }))).toEqual({ id: 5, title: 'Call mom' });
    expect(taskOf(call({ tool: 'set_reminder', result: { id: 9, task_id: 5, task_title: 'Call mom' } }))).toEqual({ id: 5, title: 'Call mom' });
  });

  it('shows a delete waiting for a yes, and no link for a deleted task', () => {
    const pending = toolCard(
      call({ tool: 'delete_task', success: false, confirmation_required: true, result: { task_id: 5, title: 'Call mom' }, error: 'not done yet' }),
    );
    expect(pending).toMatchObject({ state: 'pending', label: 'Delete?', taskId: 5 });
    expect(pending.detail).toContain('Call mom');
    expect(toolCard(call({ tool: 'delete_task', result: { task_id: 5, deleted: true }, summary: 'Deleted task 5.' })).taskId).toBeNull();
  });

  it('shows a failure with the error and no link', () => {
    expect(toolCard(call({ tool: 'complete_task', success: false, error: 'task 99 not found' }))).toMatchObject({
      state: 'failed',
      label: 'Could not complete',
      detail: 'task 99 not found',
      taskId: null,
    });
  });

  it('counts a listing', () => {
    expect(toolCard(call({ tool: 'list_tasks', result: { tasks: [], count: 3 } }))).toMatchObject({ label: 'Looked up tasks', detail: '3 tasks', taskId: null });
    const clock = { now: new Date(), zone: 'UTC' };
    expect(toolCard(call({ tool: 'list_reminders', result: { reminders: [], count: 1 }, summary: '1 reminder: ...' }), clock).detail).toBe('1 reminder');
  });
});

describe('changesTasks', () => {
  it('is true for successful changes only', () => {
    expect(changesTasks(call({ tool: 'complete_task' }))).toBe(true);
    expect(changesTasks(call({ tool: 'list_tasks' }))).toBe(false);
    expect(changesTasks(call({ tool: 'delete_task', success: false, confirmation_required: true }))).toBe(false);
  });
});

describe('pendingConfirmation', () => {
  const held = call({ tool: 'delete_task', success: false, confirmation_required: true, result: { task_id: 5 } });
  const ask: ChatItem = { key: 'a', role: 'assistant', content: 'Delete task 5?', toolCalls: [held] };

  it('is the held call while the question is the last message', () => {
    expect(pendingConfirmation([{ key: 'u', role: 'user', content: 'delete call mom', toolCalls: [] }, ask])).toBe(held);
  });

  it('is gone when the server has forgotten the question', () => {
    const asked = { ...ask, createdAt: '2026-12-02T00:00:00Z' };
    expect(pendingConfirmation([asked], new Date('2026-12-02T00:09:00Z'))).toBe(held);
    expect(pendingConfirmation([asked], new Date('2026-12-02T00:11:00Z'))).toBeNull();
  });

  it('is gone once the user answered, or while the question still streams', () => {
    expect(pendingConfirmation([ask, { key: 'u', role: 'user', content: 'yes', toolCalls: [] }])).toBeNull();
    expect(pendingConfirmation([{ ...ask, streaming: true }])).toBeNull();
    expect(pendingConfirmation([])).toBeNull();
  });
});

describe('itemsOf and conversationTitle', () => {
  it('turns stored messages into items', () => {
    expect(
      itemsOf([{ id: 1, role: 'user', content: 'hi', tool_calls: null, created_at: '2026-12-02T00:00:00Z' }]),
    ).toEqual([{ key: 'm1', role: 'user', content: 'hi', toolCalls: [], createdAt: '2026-12-02T00:00:00Z' }]);
    expect(conversationTitle({ id: 4, title: null })).toBe('Conversation 4');
    expect(conversationTitle({ id: 4, title: 'add call mom' })).toBe('add call mom');
  });
});
