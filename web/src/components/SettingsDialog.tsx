import { useMemo, useState } from 'preact/hooks';
import { useModal } from '../lib/modal';
import { ApiError, type Client } from '../lib/api';
import { zoneChoices } from '../lib/profile';
import type { Profile } from '../lib/types';

interface Props {
  client: Client;
  profile: Profile | null;
  /** The browser's zone, offered as a one-click choice. */
  browserZone: string;
  onClose(): void;
  onSaved(p: Profile): void;
  onUnauthorized(): void;
  /** Reminders also show as browser notifications while the page is open. */
  notify: boolean;
  onNotify(on: boolean): void;
  /** Opens the personal access tokens. */
  onTokens(): void;
}

/** The profile: the time zone the server reads dates and repeats tasks in, and the email reminders go to. */
export function SettingsDialog({ client, profile, browserZone, onClose, onSaved, onUnauthorized, notify, onNotify, onTokens }: Props) {
  const ref = useModal(onClose, 's-tz');
  const [tz, setTz] = useState(profile?.tz ?? browserZone);
  const [email, setEmail] = useState(profile?.email ?? '');
  const [errors, setErrors] = useState<{ tz?: string; email?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const [notifyNote, setNotifyNote] = useState('');

  async function toggleNotify(on: boolean) {
    if (!on) {
      onNotify(false);
      setNotifyNote('');
      return;
    }
    if (!('Notification' in window)) {
      setNotifyNote('This browser cannot show notifications.');
      return;
    }
    const p = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    if (p === 'granted') {
      onNotify(true);
      setNotifyNote('Reminders will show as notifications while Taskline is open.');
    } else {
      setNotifyNote('The browser blocks notifications for this site. Allow them in the site settings, then try again.');
    }
  }
  const zones = useMemo(() => zoneChoices(tz), []);


  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const patch: { tz?: string; email?: string } = {};
    if (tz !== profile?.tz) patch.tz = tz;
    if (email.trim() !== (profile?.email ?? '')) patch.email = email.trim();
    if (!Object.keys(patch).length) {
      ref.current?.close();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const p = await client.updateProfile(patch);
      onSaved(p);
      ref.current?.close();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        onUnauthorized();
        return;
      }
      const msg = err instanceof ApiError ? err.message : 'Something went wrong. Try again.';
      const field = err instanceof ApiError && (err.field === 'tz' || err.field === 'email') ? err.field : 'form';
      setErrors({ [field]: msg });
      document.getElementById(field === 'email' ? 's-email' : 's-tz')?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} class="dialog settings" aria-labelledby="settings-title">
      <form onSubmit={submit} noValidate>
        <header class="dialog-head">
          <h2 id="settings-title">Settings</h2>
          <button type="button" class="ghost icon-only" aria-label="Close" onClick={() => ref.current?.close()}>
            ✕
          </button>
        </header>
        <div class="dialog-body">
          <p class="form-error" role="alert">
            {errors.form ?? ''}
          </p>
          <div class="field">
            <label for="s-tz">Time zone</label>
            <select
              id="s-tz"
              value={tz}
              aria-invalid={errors.tz ? 'true' : undefined}
              aria-describedby="s-tz-hint s-tz-error"
              onChange={(e) => setTz(e.currentTarget.value)}
            >
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
            <p id="s-tz-hint" class="hint">
              Tasks repeat, reminders are sent and “tomorrow at 6pm” is read in this zone.
              {tz !== browserZone && (
                <>
                  {' '}
                  This browser is in {browserZone}.{' '}
                  <button type="button" class="ghost small" onClick={() => setTz(browserZone)}>
                    Use {browserZone}
                  </button>
                </>
              )}
            </p>
            <p id="s-tz-error" class="field-error" aria-live="polite">
              {errors.tz ?? ''}
            </p>
          </div>
          <div class="field">
            <label for="s-email">Email for reminders</label>
            <input
              id="s-email"
              type="email"
              autocomplete="email"
              value={email}
              aria-invalid={errors.email ? 'true' : undefined}
              aria-describedby="s-email-hint s-email-error"
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <p id="s-email-hint" class="hint">
              Leave it empty to get no reminder emails.
            </p>
            <p id="s-email-error" class="field-error" aria-live="polite">
              {errors.email ?? ''}
            </p>
          </div>
          <div class="field check-field">
            <label>
              <input type="checkbox" id="s-notify" checked={notify} onChange={(e) => void toggleNotify(e.currentTarget.checked)} />{' '}
              Show reminders as browser notifications while Taskline is open
            </label>
            <p class="hint" aria-live="polite">
              {notifyNote}
            </p>
          </div>
          <div class="field">
            <button
              type="button"
              class="ghost"
              onClick={() => {
                ref.current?.close();
                onTokens();
              }}
            >
              Access tokens…
            </button>
            <p class="hint">For scripts, calendar apps (CalDAV) and calendar subscriptions.</p>
          </div>
        </div>
        <footer class="dialog-foot">
          <span class="spacer" />
          <button type="button" class="ghost" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </dialog>
  );
}
