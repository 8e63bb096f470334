// Server-sent events (the WHATWG "text/event-stream" format) read from a fetch body. The
// browser's EventSource cannot POST or send an Authorization header, so the chat reads the
// stream itself: the part of the format the chat needs (any line ending, multi-line data,
// comments, a byte order mark). Unlike the standard, an event cut off before its closing
// blank line is still delivered when the stream ends: the chat's final `done` must not be
// lost to a proxy that drops the last newline.

/** One event: its name ("message" when the stream gives none) and its data lines joined. */
export interface SSEEvent {
  event: string;
  data: string;
  id?: string;
}

/** An incremental parser: feed it text as it arrives; it calls onEvent per complete event. */
export interface SSEParser {
  push(chunk: string): void;
  /** The stream ended: a pending event without its closing blank line is dispatched. */
  end(): void;
}

/** Creates a parser that calls onEvent for every event the text completes. */
export function createSSEParser(onEvent: (e: SSEEvent) => void): SSEParser {
  let buf = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let sawData = false;
  let first = true;

  function dispatch() {
    if (sawData) {
      onEvent({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
    }
    event = '';
    data = [];
    sawData = false;
  }

  function line(l: string) {
    if (l === '') {
      dispatch();
      return;
    }
    if (l.startsWith(':')) return; // a comment (keep-alive)
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        event = value;
        break;
      case 'data':
        data.push(value);
        sawData = true;
        break;
      case 'id':
        if (!value.includes('\0')) id = value;
        break;
      // retry and unknown fields are ignored
    }
  }

  function drain(final: boolean) {
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buf);
      if (!m) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more text.
      if (!final && m[0] === '\r' && m.index === buf.length - 1) break;
      line(buf.slice(0, m.index));
      buf = buf.slice(m.index + m[0].length);
    }
  }

  return {
    push(chunk) {
      if (first && chunk.length) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // a byte order mark
        first = false;
      }
      buf += chunk;
      drain(false);
    },
    end() {
      drain(true);
      if (buf !== '') line(buf);
      buf = '';
      dispatch();
    },
  };
}

/** Reads a byte stream of server-sent events to its end, calling onEvent per event. */
export async function readSSE(body: ReadableStream<Uint8Array>, onEvent: (e: SSEEvent) => void): Promise<void> {
  const parser = createSSEParser(onEvent);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
