import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { fieldErrors, formFieldFor } from './errors';

describe('formFieldFor', () => {
  it.each([
    ['title', 'title'],
    ['Title', 'title'],
    ['description', 'description'],
    ['due_date', 'due_date'],
    ['recurrence_end_date', 'recurrence_end_date'],
    ['recurrence_pattern', 'recurrence_pattern'],
    ['tags', 'tags'],
    ['tags[3]', 'tags'],
    ['tags.2.name', 'tags'],
    ['tag_ids', 'tags'],
    ['before_due', 'reminder'],
    ['remind_at', 'reminder'],
    ['cursor', 'form'],
    ['', 'form'],
    [undefined, 'form'],
  ])('%s is shown at %s', (api, want) => {
    expect(formFieldFor(api)).toBe(want);
  });
});

describe('fieldErrors', () => {
  it('puts the API message next to the named field', () => {
    const err = new ApiError(400, 'invalid', 'title must be 1 to 200 characters', 'title');
    expect(fieldErrors(err)).toEqual({ title: 'title must be 1 to 200 characters' });
  });
  it('puts errors without a field on the form', () => {
    expect(fieldErrors(new ApiError(409, 'conflict', 'changed meanwhile'))).toEqual({ form: 'changed meanwhile' });
  });
  it('never shows internal text for unexpected failures', () => {
    expect(fieldErrors(new TypeError('x is undefined'))).toEqual({ form: 'Something went wrong. Try again.' });
  });
});
