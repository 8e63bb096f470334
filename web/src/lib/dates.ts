// Calendar math between the API's instants (RFC 3339, UTC) and what a person types and reads
// (wall-clock dates and times in the browser's time zone). Every function takes the zone as
// an argument so tests pin it; the app passes browserZone().

/** The IANA name of the browser's time zone, e.g. "Europe/Berlin". */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

interface WallClock {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at instant `d`. */
function wallClock(d: Date, timeZone: string): WallClock {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(d)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour! % 24,
    minute: out.minute!,
    second: out.second!,
  };
}

/** Milliseconds the zone is ahead of UTC at instant `d`. */
function zoneOffset(d: Date, timeZone: string): number {
  const w = wallClock(d, timeZone);
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUTC - Math.floor(d.getTime() / 1000) * 1000;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;

/**
 * The instant at which the wall clock in `timeZone` shows `date` (YYYY-MM-DD) and `time`
 * (HH:MM). A time skipped by a DST change moves forward by the gap, as clocks do; a time that
 * occurs twice resolves to the first. Returns null for malformed input.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date | null {
  const dm = DATE_RE.exec(date);
  const tm = TIME_RE.exec(time);
  if (!dm || !tm) return null;
  const [y, mo, d] = [Number(dm[1]), Number(dm[2]), Number(dm[3])];
  const [h, mi] = [Number(tm[1]), Number(tm[2])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const naive = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(naive);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null; // e.g. Feb 30
  // Two passes settle the offset in every zone: the first guess uses the offset at the naive
  // instant, the second the offset at the corrected one (they differ only near a DST change).
  const first = naive - zoneOffset(new Date(naive), timeZone);
  const second = naive - zoneOffset(new Date(first), timeZone);
  if (first === second) return new Date(first);
  // Near a change: prefer the candidate whose wall clock matches; in a gap neither does, and
  // the later offset moves the time forward by the gap.
  for (const c of [Math.min(first, second), Math.max(first, second)]) {
    const w = wallClock(new Date(c), timeZone);
    if (w.hour === h && w.minute === mi && w.day === d) return new Date(c);
  }
  return new Date(Math.max(first, second));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The date (YYYY-MM-DD) and time (HH:MM) that `iso` shows on a wall clock in `timeZone`. */
export function toLocalInputs(iso: string, timeZone: string): { date: string; time: string } {
  const w = wallClock(new Date(iso), timeZone);
  return { date: `${w.year}-${pad(w.month)}-${pad(w.day)}`, time: `${pad(w.hour)}:${pad(w.minute)}` };
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function localToday(now: Date, timeZone: string): string {
  return toLocalInputs(now.toISOString(), timeZone).date;
}

/** The calendar date one day after `date` (YYYY-MM-DD). */
export function nextDate(date: string): string {
  const m = DATE_RE.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Whole calendar days from `from` to `to` (both YYYY-MM-DD). */
function dayDiff(from: string, to: string): number {
  const a = DATE_RE.exec(from)!;
  const b = DATE_RE.exec(to)!;
  const ua = Date.UTC(Number(a[1]), Number(a[2]) - 1, Number(a[3]));
  const ub = Date.UTC(Number(b[1]), Number(b[2]) - 1, Number(b[3]));
  return Math.round((ub - ua) / 86_400_000);
}

/**
 * How a due instant reads in the list: "Today 09:00", "Tomorrow 14:30", "Yesterday 18:00",
 * "Fri, Nov 27, 09:00", with the year only when it is not the current one.
 */
export function formatDue(iso: string, now: Date, timeZone: string, locale?: string): string {
  const when = new Date(iso);
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(when);
  const day = toLocalInputs(iso, timeZone).date;
  const today = localToday(now, timeZone);
  const diff = dayDiff(today, day);
  if (diff === 0) return `Today ${time}`;
  if (diff === 1) return `Tomorrow ${time}`;
  if (diff === -1) return `Yesterday ${time}`;
  const sameYear = day.slice(0, 4) === today.slice(0, 4);
  const date = new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(when);
  return `${date}, ${time}`;
}

/** A full, unambiguous rendering for tooltips and screen readers, including the zone. */
export function formatFull(iso: string, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(new Date(iso)) + ` (${timeZone})`;
}

/** True when `iso` lies before `now` and the task is still open. */
export function isOverdue(iso: string | null, completed: boolean, now: Date): boolean {
  return !completed && iso !== null && new Date(iso).getTime() < now.getTime();
}
