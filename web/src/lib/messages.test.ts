import { describe, expect, it } from 'vitest';
import { humanMessage, messageCodes, messageFields } from './messages';

describe('humanMessage', () => {
  it('says what to do instead of naming API fields', () => {
    const m = humanMessage('unprocessable', 'recurrence_end_date', 422);
    expect(m).toContain('Until');
    expect(m).not.toContain('recurrence_end_date');
    expect(humanMessage('invalid', 'title', 400)).toBe('Give the task a title of at most 200 characters.');
  });

  it('maps indexed fields to their root and unknown fields to the code', () => {
    expect(humanMessage('invalid', 'tags[2]', 400)).toContain('Tags can use');
    expect(humanMessage('conflict', 'whatever', 409)).toContain('changed somewhere else');
  });

  it('has a message for every code the API documents and never shows a field name', () => {
    for (const c of ['invalid', 'unprocessable', 'not_found', 'conflict', 'unauthorized', 'forbidden', 'internal', 'too_large', 'method_not_allowed']) {
      expect(messageCodes).toContain(c);
    }
    for (const f of messageFields) {
      for (const c of messageCodes) {
        const m = humanMessage(c, f, 400);
        expect(m).not.toMatch(/[a-z]_[a-z]/);
        expect(m.length).toBeGreaterThan(10);
      }
    }
    expect(humanMessage('weird', undefined, 503)).toContain('server');
  });
});
