// Every message the app shows for an API error, in one table. The API keeps its precise
// messages (for scripts and logs; ApiError.detail has them); people read these.

/** Human messages by `field` (the API's field name), then by code within the field. */
const byField: Record<string, Partial<Record<string, string>> & { '*': string }> = {
  title: {
    '*': 'Give the task a title of at most 200 characters.',
  },
  description: { '*': 'Notes can be at most 1,000 characters long.' },
  due_date: { '*': 'Pick a valid due date and time.' },
  priority: { '*': 'Choose low, medium or high priority.' },
  recurrence_pattern: { '*': 'Choose how the task repeats: every day, week or month.' },
  recurrence_end_date: {
    '*': 'Pick a valid date for the repeat to end.',
    unprocessable: 'The repeat can’t end before the task is first due. Pick a later “Until” date or an earlier due date.',
  },
  recurrence_day: { '*': 'Pick a day of the month from 1 to 31.' },
  tags: { '*': 'Tags can use letters, digits, - and _ (up to 50 characters each).' },
  tag: { '*': 'Tags can use letters, digits, - and _ (up to 50 characters each).' },
  remind_at: {
    '*': 'Pick a valid time for the reminder.',
    unprocessable: 'The reminder time has to be in the future.',
  },
  before_due: {
    '*': 'Choose how long before the due time to be reminded.',
    unprocessable: 'A reminder before the due time needs a due date on the task.',
  },
  tz: { '*': 'Choose a time zone from the list.' },
  email: { '*': 'Enter an email address such as ann@example.com, or leave it empty.' },
  name: { '*': 'Give the token a name of 1 to 100 characters.' },
  scope: { '*': 'Choose what the token may do: read, read and write, or the calendar feed.' },
  expires_at: { '*': 'Pick a valid expiry date, or none.', unprocessable: 'The expiry date has to be in the future.' },
  message: { '*': 'Messages to the assistant can be at most 4,000 characters long.' },
  search: { '*': 'Search for at most 200 characters.' },
};

/** Human messages by error code, when no field message applies. */
const byCode: Record<string, string> = {
  network: 'You seem to be offline: the server cannot be reached. Check your connection and try again.',
  invalid: 'Something in the form isn’t valid. Check it and try again.',
  unprocessable: 'That change breaks a rule for this task. Check the dates and try again.',
  not_found: 'That task no longer exists. It may have been deleted in another tab or by the assistant.',
  conflict: 'This changed somewhere else meanwhile. Reload and try again.',
  unauthorized: 'Your sign-in has expired. Sign in again.',
  forbidden: 'You aren’t allowed to do that with this sign-in.',
  too_large: 'That is too long to save. Shorten it and try again.',
  method_not_allowed: 'The server doesn’t support that here. Reload the page: the app may be out of date.',
  internal: 'Something went wrong on the server. Try again in a moment.',
};

/** The message for an error code and field (both as the API sends them). */
export function humanMessage(code: string, field?: string, status = 0): string {
  const root = field?.split(/[.[]/, 1)[0]?.trim().toLowerCase();
  const f = root ? byField[root] : undefined;
  if (f && code !== 'network' && code !== 'unauthorized' && code !== 'forbidden' && code !== 'not_found') return f[code] ?? f['*'];
  if (byCode[code]) return byCode[code];
  if (status >= 500) return byCode.internal!;
  return 'That didn’t work. Try again.';
}

/** Every field the table covers, for tests. */
export const messageFields = Object.keys(byField);
export const messageCodes = Object.keys(byCode);
