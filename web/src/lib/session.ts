// Where the signed-in token lives between visits, and how the page learns its mode.

import { readClaims } from './jwt';

/** What GET /config.json says. */
export interface AppConfig {
  mode: 'local' | 'production';
  dev_token?: string;
  user_id?: string;
}

/** A signed-in user. */
export interface Session {
  token: string;
  userId: string;
  /** The account's time zone from the token, when it names one. */
  accountZone?: string;
}

const KEY = 'taskline.token';

/** Reads the page's config; a missing or broken config means production (no dev token). */
export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<AppConfig> {
  try {
    const res = await fetchFn('/config.json', { headers: { Accept: 'application/json' } });
    if (!res.ok) return { mode: 'production' };
    const c = (await res.json()) as Partial<AppConfig>;
    return c.mode === 'local'
      ? { mode: 'local', ...(c.dev_token ? { dev_token: c.dev_token } : {}), ...(c.user_id ? { user_id: c.user_id } : {}) }
      : { mode: 'production' };
  } catch {
    return { mode: 'production' };
  }
}

/** The session kept from an earlier visit, unless its token has expired since. */
export function restoreSession(storage: Pick<Storage, 'getItem' | 'removeItem'>): Session | null {
  const token = storage.getItem(KEY);
  if (!token) return null;
  try {
    const c = readClaims(token);
    return { token, userId: c.sub, ...(c.tz ? { accountZone: c.tz } : {}) };
  } catch {
    storage.removeItem(KEY);
    return null;
  }
}

/** Keeps a token for the next visit. */
export function saveSession(storage: Pick<Storage, 'setItem'>, s: Session): void {
  storage.setItem(KEY, s.token);
}

/** Forgets the token. */
export function clearSession(storage: Pick<Storage, 'removeItem'>): void {
  storage.removeItem(KEY);
}
