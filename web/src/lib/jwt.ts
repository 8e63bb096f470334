// Reading (not verifying: only the API can do that) the claims of a bearer token, because the
// API's base path carries the user id and the user id is the token's subject.

/** The claims the app needs from a token. */
export interface Claims {
  sub: string;
  /** Expiry, seconds since the epoch, when the token has one. */
  exp?: number;
  /** The account's IANA time zone (Taskline's `tz` claim): the server repeats tasks in it. */
  tz?: string;
}

/** Why a pasted token cannot be used; the message is shown next to the token field. */
export class TokenError extends Error {
  override name = 'TokenError';
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Decodes a JWT's payload and returns its subject and expiry.
 * Throws TokenError with a message fit for a person when the token is malformed, has no
 * subject, or has expired at `now`.
 */
export function readClaims(token: string, now: Date = new Date()): Claims {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new TokenError('This does not look like a token: expected three parts separated by dots.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]!));
  } catch {
    throw new TokenError('The token could not be read.');
  }
  if (typeof payload !== 'object' || payload === null) {
    throw new TokenError('The token could not be read.');
  }
  const { sub, exp, tz } = payload as { sub?: unknown; exp?: unknown; tz?: unknown };
  if (typeof sub !== 'string' || sub === '') {
    throw new TokenError('The token names no user (it has no "sub" claim).');
  }
  if (typeof exp === 'number' && exp * 1000 <= now.getTime()) {
    throw new TokenError('This token has expired; ask for a new one.');
  }
  return {
    sub,
    ...(typeof exp === 'number' ? { exp } : {}),
    ...(typeof tz === 'string' && tz !== '' ? { tz } : {}),
  };
}
