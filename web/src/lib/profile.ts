// The profile's time zone: the zone the server reads "tomorrow at 6pm" in, repeats tasks
// in and writes reminder emails in. The app sends the browser's zone on the first sign-in.

import type { Profile } from './types';

/**
 * True while the user has never set their profile: the store stamps updated_at only when
 * the profile is changed, so a profile still equal to what the token filled in has equal
 * created_at and updated_at. Then the browser's zone is the best knowledge of where the
 * user lives (the token's tz claim was only an initial value).
 */
export function neverSet(p: Pick<Profile, 'created_at' | 'updated_at'>): boolean {
  return new Date(p.created_at).getTime() === new Date(p.updated_at).getTime();
}

/** The IANA zones this browser knows, for the settings' picker; always includes `current`. */
export function zoneChoices(current: string): string[] {
  let zones: string[] = [];
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    zones = intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    zones = [];
  }
  const all = new Set(zones);
  all.add('UTC');
  if (current) all.add(current);
  return [...all].sort((a, b) => a.localeCompare(b));
}
