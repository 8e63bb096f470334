import { useEffect, useState } from 'preact/hooks';
import { useModal } from '../lib/modal';
import { ApiError, type Client } from '../lib/api';
import { formatFull } from '../lib/dates';
import type { Token, TokenCreated } from '../lib/types';

interface Props {
  client: Client;
  zone: string;
  onClose(): void;
  onUnauthorized(): void;
}

const scopeLabel: Record<Token['scope'], string> = {
  'read-write': 'Read and write',
  read: 'Read only',
  feed: 'Calendar feed only',
};

/**
 * Personal access tokens: for scripts, CalDAV clients (/dav/) and the calendar feed. The
 * secret is shown once, right after creating; the list shows when each was last used.
 */
export function TokensDialog({ client, zone, onClose, onUnauthorized }: Props) {
  const ref = useModal(onClose, 'k-name');
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Token['scope']>('read-write');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [errors, setErrors] = useState<{ name?: string; scope?: string; expires_at?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<Token['id'] | null>(null);
  const [copied, setCopied] = useState('');

  function fail(err: unknown, fields = true) {
    if (err instanceof ApiError && err.status === 401) {
      onUnauthorized();
      return;
    }
    const msg = err instanceof ApiError ? err.message : 'Something went wrong. Try again.';
    const f = err instanceof ApiError && fields && (err.field === 'name' || err.field === 'scope' || err.field === 'expires_at') ? err.field : 'form';
    setErrors({ [f]: msg });
  }

  async function reload() {
    try {
      setTokens(await client.listTokens());
    } catch (err) {
      fail(err, false);
    }
  }

  useEffect(() => {
    void reload();
  }, []);

  async function create(e: Event) {
    e.preventDefault();
    if (busy) return;
    if (!name.trim()) {
      setErrors({ name: 'Give the token a name, such as “phone” or “backup script”.' });
      document.getElementById('k-name')?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const k = await client.createToken({ name: name.trim(), scope, expires_at: expires || null });
      setCreated(k);
      setName('');
      setExpires('');
      setCopied('');
      await reload();
      setTimeout(() => document.getElementById('k-secret')?.focus(), 0);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(k: Token) {
    if (confirm !== k.id) {
      setConfirm(k.id);
      return;
    }
    setConfirm(null);
    try {
      await client.revokeToken(k.id);
      if (created?.id === k.id) setCreated(null);
      await reload();
      document.getElementById('k-name')?.focus();
    } catch (err) {
      fail(err, false);
    }
  }

  async function copy(text: string, what: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      // No clipboard permission: select it, so Ctrl+C copies.
      const el = document.getElementById(what === 'token' ? 'k-secret' : 'k-feed') as HTMLInputElement | null;
      el?.select();
      setCopied(`${what}-select`);
    }
  }

  return (
    <dialog ref={ref} class="dialog tokens" aria-labelledby="tokens-title">
      <header class="dialog-head">
        <h2 id="tokens-title">Access tokens</h2>
        <button type="button" class="ghost icon-only" aria-label="Close" onClick={() => ref.current?.close()}>
          ✕
        </button>
      </header>
      <div class="dialog-body">
        <p class="hint">
          For scripts (a bearer token on the API), calendar apps (the password of a CalDAV account at /dav/) and calendar subscriptions (a feed
          token’s address).
        </p>
        <p class="form-error" role="alert">
          {errors.form ?? ''}
        </p>

        {created && (
          <div class="secret-box" role="region" aria-labelledby="secret-title">
            <h3 id="secret-title">Token “{created.name}” created</h3>
            <p>Copy it now: it is shown only this once.</p>
            <div class="copy-row">
              <label for="k-secret" class="visually-hidden">
                The new token
              </label>
              <input id="k-secret" readOnly value={created.token} onFocus={(e) => e.currentTarget.select()} />
              <button type="button" class="primary small" onClick={() => void copy(created.token, 'token')}>
                Copy
              </button>
            </div>
            {created.feed_url && (
              <>
                <p>Subscribe to this address in your calendar app:</p>
                <div class="copy-row">
                  <label for="k-feed" class="visually-hidden">
                    Feed address
                  </label>
                  <input id="k-feed" readOnly value={created.feed_url} onFocus={(e) => e.currentTarget.select()} />
                  <button type="button" class="ghost small" onClick={() => void copy(created.feed_url!, 'feed')}>
                    Copy address
                  </button>
                </div>
              </>
            )}
            <p class="hint" aria-live="polite">
              {copied === 'token' ? 'Token copied.' : copied === 'feed' ? 'Address copied.' : copied ? 'Selected: press Ctrl+C to copy.' : ''}
            </p>
            <button type="button" class="ghost small" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
        )}

        <form class="token-form" onSubmit={create} noValidate>
          <h3>New token</h3>
          <div class="field-row">
            <div class="field wide">
              <label for="k-name">Name</label>
              <input
                id="k-name"
                type="text"
                autocomplete="off"
                value={name}
                maxLength={100}
                aria-invalid={errors.name ? 'true' : undefined}
                aria-describedby="k-name-error"
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="k-scope">Can</label>
              <select id="k-scope" value={scope} aria-describedby="k-scope-error" onChange={(e) => setScope(e.currentTarget.value as Token['scope'])}>
                <option value="read-write">Read and write</option>
                <option value="read">Read only</option>
                <option value="feed">Calendar feed only</option>
              </select>
            </div>
            <div class="field">
              <label for="k-expires">Expires (optional)</label>
              <input
                id="k-expires"
                type="date"
                value={expires}
                aria-invalid={errors.expires_at ? 'true' : undefined}
                aria-describedby="k-expires-error"
                onInput={(e) => setExpires(e.currentTarget.value)}
              />
            </div>
          </div>
          <p id="k-name-error" class="field-error" aria-live="polite">
            {errors.name ?? ''}
          </p>
          <p id="k-scope-error" class="field-error" aria-live="polite">
            {errors.scope ?? ''}
          </p>
          <p id="k-expires-error" class="field-error" aria-live="polite">
            {errors.expires_at ?? ''}
          </p>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </form>

        <h3>Your tokens</h3>
        {tokens === null ? (
          <p class="hint">Loading…</p>
        ) : tokens.length === 0 ? (
          <p class="hint">No tokens yet.</p>
        ) : (
          <ul class="token-list" aria-label="Your tokens">
            {tokens.map((k) => (
              <li key={String(k.id)} class="token-item">
                <div>
                  <strong>{k.name}</strong> <span class="badge">{scopeLabel[k.scope]}</span> <code>{k.hint}</code>
                  <p class="hint">
                    Created {formatFull(k.created_at, zone)} · {k.last_used_at ? `last used ${formatFull(k.last_used_at, zone)}` : 'never used'} ·{' '}
                    {k.expires_at ? `expires ${formatFull(k.expires_at, zone)}` : 'does not expire'}
                  </p>
                </div>
                <button type="button" class={confirm === k.id ? 'danger small' : 'ghost small danger-text'} onClick={() => void revoke(k)}>
                  {confirm === k.id ? 'Really revoke?' : 'Revoke'}
                  <span class="visually-hidden"> “{k.name}”</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </dialog>
  );
}
