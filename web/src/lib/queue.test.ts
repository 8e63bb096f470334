import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { enqueue, loadQueue, replay, saveQueue, type QueuedOp } from './queue';

const op = (kind: QueuedOp['kind'], id: string): QueuedOp => ({ kind, id, title: `t${id}` });

function memStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

describe('offline queue', () => {
  it('cancels a complete followed by a reopen and lets a delete replace what waited', () => {
    let q = enqueue([], op('complete', '1'));
    q = enqueue(q, op('complete', '2'));
    q = enqueue(q, op('reopen', '1'));
    expect(q).toEqual([op('complete', '2')]);
    q = enqueue(q, op('delete', '2'));
    expect(q).toEqual([op('delete', '2')]);
  });

  it('survives a reload through storage and ignores junk', () => {
    const s = memStorage();
    saveQueue(s, [op('complete', '3')]);
    expect(loadQueue(s)).toEqual([op('complete', '3')]);
    s.setItem('taskline.queue', '{not json');
    expect(loadQueue(s)).toEqual([]);
    saveQueue(s, []);
    expect(s.getItem('taskline.queue')).toBeNull();
  });

  it('replays in order, keeps the rest when the network fails again, and drops a 404', async () => {
    const calls: string[] = [];
    let offlineAt = '3';
    const client = {
      async completeTask(id: string) {
        calls.push(`complete ${id}`);
        if (id === offlineAt) throw new ApiError(0, 'network', 'offline');
        if (id === '9') throw new ApiError(404, 'not_found', 'gone');
        return {};
      },
      async toggleComplete(id: string) {
        calls.push(`reopen ${id}`);
        throw new ApiError(409, 'conflict', 'no');
      },
      async deleteTask(id: string) {
        calls.push(`delete ${id}`);
      },
    };
    const ops = [op('complete', '1'), op('complete', '9'), op('reopen', '5'), op('complete', '3'), op('delete', '4')];
    const r = await replay(ops, client);
    expect(calls).toEqual(['complete 1', 'complete 9', 'reopen 5', 'complete 3']);
    expect(r.sent.map((o) => o.id)).toEqual(['1', '9']);
    expect(r.failed.map((f) => f.op.id)).toEqual(['5']);
    expect(r.remaining.map((o) => o.id)).toEqual(['3', '4']);
    offlineAt = '';
    const r2 = await replay(r.remaining, client);
    expect(r2.remaining).toEqual([]);
    expect(calls.slice(-2)).toEqual(['complete 3', 'delete 4']);
  });
});
