import { useState } from 'preact/hooks';
import { ApiError, createClient } from '../lib/api';
import { readClaims, TokenError } from '../lib/jwt';
import type { AppConfig, Session } from '../lib/session';

interface Props {
  config: AppConfig;
  /** Why the user was signed out, e.g. an expired token. */
  notice: string;
  onSignIn(s: Session): void;
}

/** Asks for a bearer token (pre-filled with the dev token in local mode) and checks it. */
export function SignIn({ config, notice, onSignIn }: Props) {
  const [token, setToken] = useState(config.dev_token ?? '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError('');
    let userId: string;
    let accountZone: string | undefined;
    try {
      ({ sub: userId, tz: accountZone } = readClaims(token));
    } catch (err) {
      setError(err instanceof TokenError ? err.message : 'The token could not be read.');
      return;
    }
    setBusy(true);
    try {
      // A cheap authenticated call proves the token before the app relies on it.
      await createClient({ token: token.trim(), userId }).listTags();
      onSignIn({ token: token.trim(), userId, ...(accountZone ? { accountZone } : {}) });
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 403)
          ? 'The server did not accept this token.'
          : err instanceof ApiError
            ? err.message
            : 'Signing in failed. Try again.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit} noValidate>
        <h1 class="brand">
          <span class="brand-mark" aria-hidden="true">✓</span> Taskline
        </h1>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label for="token">Access token</label>
        <textarea
          id="token"
          name="token"
          rows={4}
          spellcheck={false}
          autocomplete="off"
          value={token}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'token-error token-hint' : 'token-hint'}
          onInput={(e) => setToken(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter submits, as everywhere in the app; a token never contains a newline.
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <p id="token-hint" class="hint">
          {config.mode === 'local'
            ? 'Local mode: the development token is filled in for you.'
            : 'Paste the bearer token (JWT) your administrator gave you.'}
        </p>
        <p id="token-error" class="field-error" aria-live="polite">
          {error}
        </p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
