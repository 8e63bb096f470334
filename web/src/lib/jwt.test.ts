import { describe, expect, it } from 'vitest';
import { readClaims, TokenError } from './jwt';

function token(payload: unknown): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}.c2lnbmF0dXJl`;
}

describe('readClaims', () => {
  const now = new Date('2026-11-26T12:00:00Z');

  it('reads the subject and expiry', () => {
    const exp = now.getTime() / 1000 + 3600;
    expect(readClaims(token({ sub: 'dev', exp }), now)).toEqual({ sub: 'dev', exp });
  });

  it('reads the account time zone when the token has one', () => {
    expect(readClaims(token({ sub: 'dev', tz: 'Europe/Berlin' }), now)).toEqual({ sub: 'dev', tz: 'Europe/Berlin' });
    expect(readClaims(token({ sub: 'dev', tz: '' }), now)).toEqual({ sub: 'dev' });
  });

  it('reads non-ASCII subjects and trims pasted whitespace', () => {
    expect(readClaims(`  ${token({ sub: 'jürgen-ü' })}\n`, now).sub).toBe('jürgen-ü');
  });

  it.each([
    ['not a token', /three parts/],
    ['a.b', /three parts/],
    ['a..c', /three parts/],
    ['a.!!!.c', /could not be read/],
    [token({ name: 'x' }), /no user/],
    [token({ sub: '' }), /no user/],
    [token('just a string'), /could not be read/],
    [token({ sub: 'dev', exp: now.getTime() / 1000 - 1 }), /expired/],
  ])('rejects %s', (t, msg) => {
    expect(() => readClaims(t, now)).toThrow(TokenError);
    expect(() => readClaims(t, now)).toThrow(msg);
  });
});
