import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Client } from '../lib/api';
import {
  changesTasks,
  conversationTitle,
  itemsOf,
  pendingConfirmation,
  toolCard,
  type ChatItem,
} from '../lib/chat';
import { formatDue } from '../lib/dates';
import type { Conversation, ToolCallResult } from '../lib/types';
import { Icon } from './Icon';

interface Props {
  /** Shown; when closed the panel stays mounted (hidden), so the conversation survives. */
  open: boolean;
  client: Client;
  zone: string;
  onClose(): void;
  /** A tool call changed tasks: the list reloads. */
  onTasksChanged(): void;
  /** A tool card's link: show (and highlight) the task in the list. */
  onShowTask(id: number): void;
  onUnauthorized(): void;
}

const MESSAGE_MAX = 4000;

let localKey = 0;

/**
 * The assistant: a drawer beside the list on a wide screen, the whole screen on a phone.
 * Answers stream in; tool calls show as cards that link to the task they touched; a delete
 * waits for a yes or no. Escape closes it and focus goes back to where it came from.
 */
export function ChatPanel({ open, client, zone, onClose, onTasksChanged, onShowTask, onUnauthorized }: Props) {
  const [items, setItems] = useState<ChatItem[]>([]);
  const [conversationId, setConversationId] = useState<number | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [view, setView] = useState<'chat' | 'history'>('chat');
  const [conversations, setConversations] = useState<Conversation[] | null>(null);
  const [historyError, setHistoryError] = useState('');
  const [confirmDelete, setConfirmDelete] = useState<number | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  // Opening moves focus to the message box, so typing goes straight in, and shows the
  // newest messages (a hidden panel forgets its scroll position).
  useEffect(() => {
    if (!open) return;
    inputRef.current?.focus();
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [open]);

  // Keep the newest text in view while it streams, and when a conversation is opened.
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [items, view]);

  function failure(err: unknown): string {
    if (err instanceof ApiError && err.status === 401) {
      onUnauthorized();
      return '';
    }
    return err instanceof ApiError ? err.message : 'Something went wrong. Try again.';
  }

  function patchLast(f: (it: ChatItem) => ChatItem) {
    setItems((xs) => (xs.length ? [...xs.slice(0, -1), f(xs[xs.length - 1]!)] : xs));
  }

  async function send(message: string) {
    const m = message.trim();
    if (!m || busy) return;
    setBusy(true);
    setText('');
    setView('chat');
    setItems((xs) => [
      ...xs,
      { key: `l${++localKey}`, role: 'user', content: m, toolCalls: [] },
      { key: `l${++localKey}`, role: 'assistant', content: '', toolCalls: [], streaming: true },
    ]);
    const ctl = new AbortController();
    abort.current = ctl;
    let changed = false;
    try {
      const res = await client.chat(
        m,
        conversationId,
        {
          start: (id) => setConversationId(id),
          delta: (t) => patchLast((it) => ({ ...it, content: it.content + t })),
          toolCall: (c: ToolCallResult) => {
            patchLast((it) => ({ ...it, toolCalls: [...it.toolCalls, c] }));
            if (changesTasks(c)) {
              changed = true;
              onTasksChanged();
            }
          },
        },
        ctl.signal,
      );
      setConversationId(res.conversation_id);
      // The final object is the truth (the stored text, every call).
      patchLast((it) => ({
        ...it,
        key: `m${res.message_id}`,
        content: res.response,
        toolCalls: res.tool_calls ?? [],
        streaming: false,
        createdAt: new Date().toISOString(),
        // The server could not finish (model down, timeout, too many steps): the answer
        // says why; show it as a failure, with Try again when it may work later.
        ...(res.incomplete
          ? { error: res.incomplete.retryable ? 'The assistant could not finish. You can try again.' : 'The assistant could not finish.' }
          : {}),
      }));
      if (!changed && (res.tool_calls ?? []).some(changesTasks)) onTasksChanged();
      setConversations(null); // the history is stale now
    } catch (err) {
      if (ctl.signal.aborted) return;
      const msg = failure(err);
      patchLast((it) => ({ ...it, streaming: false, error: msg || 'The assistant could not answer.' }));
      // A new conversation whose first message failed before it started has no id yet.
    } finally {
      if (abort.current === ctl) abort.current = null;
      setBusy(false);
      inputRef.current?.focus();
    }
  }

  async function showHistory() {
    setView('history');
    setHistoryError('');
    try {
      setConversations(await client.listConversations());
    } catch (err) {
      setHistoryError(failure(err));
    }
  }

  async function openConversation(c: Conversation) {
    abort.current?.abort();
    setHistoryError('');
    try {
      const msgs = await client.conversationMessages(c.id);
      setItems(itemsOf(msgs));
      setConversationId(c.id);
      setView('chat');
      inputRef.current?.focus();
    } catch (err) {
      setHistoryError(failure(err));
    }
  }

  async function remove(c: Conversation) {
    if (confirmDelete !== c.id) {
      setConfirmDelete(c.id);
      return;
    }
    setConfirmDelete(null);
    try {
      await client.deleteConversation(c.id);
      setConversations((cs) => (cs ?? []).filter((x) => x.id !== c.id));
      if (conversationId === c.id) newConversation(false);
    } catch (err) {
      setHistoryError(failure(err));
    }
  }

  function newConversation(focus = true) {
    abort.current?.abort();
    setItems([]);
    setConversationId(null);
    setView('chat');
    setBusy(false);
    if (focus) setTimeout(() => inputRef.current?.focus(), 0);
  }

  const pending = pendingConfirmation(items);
  const retryable = items.length >= 2 && items[items.length - 1]!.error ? items[items.length - 2]!.content : null;

  return (
    <section
      class="chat"
      hidden={!open}
      role="dialog"
      aria-modal="false"
      aria-labelledby="chat-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <header class="chat-head">
        <h2 id="chat-title">Assistant</h2>
        <div class="chat-actions">
          <button
            type="button"
            class="ghost small"
            aria-pressed={view === 'history' ? 'true' : 'false'}
            onClick={() => (view === 'history' ? setView('chat') : void showHistory())}
          >
            History
          </button>
          <button type="button" class="ghost small" onClick={() => newConversation()}>
            <Icon name="plus" /> New<span class="visually-hidden"> conversation</span>
          </button>
          <button type="button" class="ghost icon-only" aria-label="Close the assistant" onClick={onClose}>
            <Icon name="x" />
          </button>
        </div>
      </header>

      {view === 'history' ? (
        <div class="chat-history">
          <h3 class="chat-subhead">Conversations</h3>
          <p class="form-error" role="alert">
            {historyError}
          </p>
          {conversations === null && !historyError && <p class="hint">Loading…</p>}
          {conversations && conversations.length === 0 && <p class="hint">No conversations yet.</p>}
          {conversations && conversations.length > 0 && (
            <ul class="conv-list" aria-label="Conversations">
              {conversations.map((c) => (
                <li key={c.id} class={c.id === conversationId ? 'current' : ''}>
                  <button type="button" class="conv-open" onClick={() => void openConversation(c)} aria-current={c.id === conversationId ? 'true' : undefined}>
                    <span class="conv-title">{conversationTitle(c)}</span>
                    <span class="conv-when">{formatDue(c.updated_at, new Date(), zone)}</span>
                  </button>
                  <button
                    type="button"
                    class={confirmDelete === c.id ? 'danger small' : 'ghost small danger-text'}
                    onClick={() => void remove(c)}
                    onBlur={() => setConfirmDelete((x) => (x === c.id ? null : x))}
                  >
                    {confirmDelete === c.id ? 'Really delete?' : 'Delete'}
                    <span class="visually-hidden"> conversation “{conversationTitle(c)}”</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <div class="chat-log" ref={logRef} role="log" aria-live="polite" aria-label="Conversation" aria-busy={busy ? 'true' : 'false'}>
          <ol class="chat-msgs">
            {items.length === 0 && (
              <li class="chat-empty">
                <p>Tell me what to do with your tasks, for example:</p>
                <ul>
                  <li>“add call mom tomorrow at 6pm #family”</li>
                  <li>“what is due this week?”</li>
                  <li>“complete call mom”</li>
                </ul>
                <p class="hint">Say “help” for everything I understand.</p>
              </li>
            )}
            {items.map((it, at) => (
              <li key={it.key} class={`msg ${it.role}${it.error ? ' failed' : ''}`}>
                <span class="visually-hidden">{it.role === 'user' ? 'You said:' : 'Assistant:'} </span>
                {it.toolCalls.length > 0 && (
                  <ul class="tool-cards" aria-label="Actions">
                    {it.toolCalls.map((c, i) => {
                      const card = toolCard(c, { now: new Date(), zone });
                      // A question answered since (the answer below says what happened), or
                      // one the server no longer waits on.
                      const settled = card.state === 'pending' && c !== pending;
                      const why = at === items.length - 1 ? 'no longer waiting' : 'answered below';
                      return (
                        <li key={i} class={`tool-card ${card.state}${settled ? ' settled' : ''}`}>
                          <strong class="tool-label">{settled ? `${card.label} (${why})` : card.label}</strong>
                          {card.detail && !settled && <span class="tool-detail">{card.detail}</span>}
                          {card.taskId !== null && !settled && (
                            <button type="button" class="ghost small tool-link" onClick={() => onShowTask(card.taskId!)}>
                              Show task<span class="visually-hidden"> {card.title ? `“${card.title}”` : card.taskId}</span>
                            </button>
                          )}
                        </li>
                      );
                    })}
                  </ul>
                )}
                {(it.content || it.streaming) && (
                  <p class="msg-text">
                    {it.content}
                    {it.streaming && <span class="typing" aria-label="The assistant is answering">…</span>}
                  </p>
                )}
                {it.error && (
                  <p class="msg-error" role="alert">
                    {it.error}
                  </p>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}

      {pending && !busy && (
        <div class="confirm-bar" role="group" aria-label="Confirm the delete">
          <span>{toolCard(pending).title ? `Delete “${toolCard(pending).title}”?` : 'Confirm?'}</span>
          <div class="confirm-actions">
            <button type="button" class="danger small" onClick={() => void send('yes')}>
              Yes, delete
            </button>
            <button type="button" class="ghost small" onClick={() => void send('no')}>
              No, keep it
            </button>
          </div>
        </div>
      )}
      {retryable && !busy && (
        <div class="confirm-bar">
          <span>The last message got no answer.</span>
          <button
            type="button"
            class="ghost small"
            onClick={() => {
              setItems((xs) => xs.slice(0, -2));
              void send(retryable);
            }}
          >
            Try again
          </button>
        </div>
      )}

      <form
        class="chat-compose"
        onSubmit={(e) => {
          e.preventDefault();
          void send(text);
        }}
      >
        <label for="chat-input" class="visually-hidden">
          Message the assistant
        </label>
        <textarea
          id="chat-input"
          ref={inputRef}
          rows={2}
          maxLength={MESSAGE_MAX}
          placeholder={pending ? 'Reply yes or no…' : 'Ask or tell me something…'}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter sends; Shift+Enter makes a new line.
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              void send(text);
            }
          }}
        />
        <button type="submit" class="primary" disabled={busy || !text.trim()}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </form>
    </section>
  );
}
