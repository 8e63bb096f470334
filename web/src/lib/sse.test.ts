import { describe, expect, it } from 'vitest';
import { createSSEParser, readSSE, type SSEEvent } from './sse';

function parse(chunks: string[]): SSEEvent[] {
  const out: SSEEvent[] = [];
  const p = createSSEParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

// What functions/chat writes: "event: NAME\ndata: JSON\n\n" per event.
const stream =
  'event: start\ndata: {"conversation_id":12}\n\n' +
  'event: delta\ndata: {"text":"Added \\"call mom\\""}\n\n' +
  'event: tool_call\ndata: {"tool":"add_task","success":true,"result":{"id":5},"error":null}\n\n' +
  'event: done\ndata: {"conversation_id":12,"response":"Added","tool_calls":[],"message_id":3}\n\n';

describe('createSSEParser', () => {
  it('reads the chat stream into named events', () => {
    const events = parse([stream]);
    expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'tool_call', 'done']);
    expect(JSON.parse(events[1]!.data)).toEqual({ text: 'Added "call mom"' });
  });

  it('gives the same events however the bytes are cut', () => {
    const whole = parse([stream]);
    for (const size of [1, 2, 3, 7, 16]) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      expect(parse(chunks)).toEqual(whole);
    }
  });

  it('accepts CRLF and CR line endings, even a CRLF split across chunks', () => {
    expect(parse(['event: a\r\ndata: 1\r', '\n\r\n', 'event: b\rdata: 2\r\r'])).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
  });

  it('joins multi-line data, defaults the name to message, skips comments and empty events', () => {
    expect(parse([': keep-alive\n\ndata: one\ndata:two\n\nevent: x\n\nid: 7\ndata\n\n'])).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'message', data: '', id: '7' },
    ]);
  });

  it('delivers a last event whose blank line never came, and drops a byte order mark', () => {
    expect(parse(['\uFEFFevent: done\ndata: {}'])).toEqual([{ event: 'done', data: '{}' }]);
  });
});

describe('readSSE', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"Grüße 👋"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        // Cut inside the ü and inside the emoji.
        c.enqueue(bytes.slice(0, 28));
        c.enqueue(bytes.slice(28, 37));
        c.enqueue(bytes.slice(37));
        c.close();
      },
    });
    const events: SSEEvent[] = [];
    await readSSE(body, (e) => events.push(e));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.data).text).toBe('Grüße 👋');
  });
});
