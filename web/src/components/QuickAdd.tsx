import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Client } from '../lib/api';
import { segments, understood, understoodSentence } from '../lib/preview';
import { draftFromPreview, emptyDraft, type Draft } from '../lib/draft';
import type { Preview, Task } from '../lib/types';
import { Icon } from './Icon';

interface Props {
  client: Client;
  zone: string;
  /** A task was created from the line. */
  onCreated(task: Task): void;
  /** Opens the full form instead, filled with what was understood of the line so far. */
  onMore(draft: Draft): void;
  onUnauthorized(): void;
}

/** How long typing must pause before the preview is asked for. */
const PREVIEW_DELAY_MS = 250;

/**
 * The "New task" box: one line of natural language ("Pay rent every month on the 1st #home
 * p1"). While the user types, the server's parser says what it understood; the recognised
 * words are highlighted and listed before anything is saved. Enter creates the task.
 */
export function QuickAdd({ client, zone, onCreated, onMore, onUnauthorized }: Props) {
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<{ text: string; p: Preview } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  // The preview for the text as it stands, asked for once typing pauses; an answer for
  // older text is dropped (and the request aborted).
  useEffect(() => {
    const line = text.trim();
    const my = ++seq.current;
    if (!line) {
      setPreview(null);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(async () => {
      try {
        const p = await client.parseTask(text, ctl.signal);
        if (my === seq.current) setPreview({ text, p });
      } catch (err) {
        if (ctl.signal.aborted || my !== seq.current) return;
        if (err instanceof ApiError && err.status === 401) onUnauthorized();
        else if (err instanceof ApiError && err.field === 'text') setError(err.message);
        // Otherwise the preview just stays away: saving still works and reports errors.
      }
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [text, client]);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy || !text.trim()) return;
    setBusy(true);
    setError('');
    try {
      const task = await client.quickAdd(text);
      seq.current++;
      setText('');
      setPreview(null);
      onCreated(task);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onUnauthorized();
      else setError(err instanceof ApiError ? err.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  }

  const current = preview && preview.text === text ? preview.p : null;
  const items = current ? understood(current, new Date(), zone) : [];
  const question = current?.question ?? null;
  const segs = current ? segments(text, current.spans) : [];

  return (
    <form class="quick-add" onSubmit={submit} noValidate>
      <label for="quick-add" class="quick-label">
        New task
      </label>
      <div class="quick-row">
        <input
          id="quick-add"
          type="text"
          autocomplete="off"
          spellcheck={false}
          maxLength={500}
          placeholder="e.g. Pay rent every month on the 1st #home p1"
          value={text}
          aria-describedby="quick-understood quick-error"
          aria-invalid={error ? 'true' : undefined}
          onInput={(e) => {
            setText(e.currentTarget.value);
            if (error) setError('');
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && text) {
              e.preventDefault();
              setText('');
            }
          }}
        />
        <button type="submit" class="primary" disabled={busy || !text.trim() || !!question}>
          <Icon name="plus" />
          {busy ? 'Adding…' : 'Add'}
        </button>
        <button
          type="button"
          class="ghost"
          title="Open the full form"
          onClick={() => {
            // Whatever was typed carries over; the box is left as it was in case of Cancel.
            onMore(text.trim() ? draftFromPreview(current?.task ?? null, text, zone) : emptyDraft());
          }}
        >
          More<span class="visually-hidden"> options: the full task form</span>
        </button>
      </div>
      <div class="quick-preview">
        {current && (
          <>
            <p class="quick-echo" aria-hidden="true">
              {segs.map((s, i) =>
                s.kind ? (
                  <mark key={i} class={`hl hl-${s.kind}`}>
                    {s.text}
                  </mark>
                ) : (
                  <span key={i}>{s.text}</span>
                ),
              )}
            </p>
            {question ? (
              <p class="quick-question">{question}</p>
            ) : (
              <dl class="understood" aria-label="What will be saved">
                {items.map((i) => (
                  <div key={i.kind} class={`understood-item u-${i.kind}`} title={i.full}>
                    <dt>{i.label}</dt>
                    <dd>{i.value}</dd>
                  </div>
                ))}
              </dl>
            )}
          </>
        )}
      </div>
      <p id="quick-understood" class="visually-hidden" aria-live="polite">
        {current ? understoodSentence(items, question) : ''}
      </p>
      <p id="quick-error" class="field-error" aria-live="polite">
        {error}
      </p>
    </form>
  );
}
