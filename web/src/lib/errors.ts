// Mapping the API's error `field` onto the form control that shows it, so "Errors from the
// API [are] shown next to the field they name".

import { ApiError } from './api';

/** The task form's fields that can carry an error, plus `form` for everything else. */
export type FormField =
  | 'title'
  | 'description'
  | 'due_date'
  | 'priority'
  | 'recurrence_pattern'
  | 'recurrence_end_date'
  | 'tags'
  | 'reminder'
  | 'form';

/** Errors keyed by the field they are shown next to. */
export type FieldErrors = Partial<Record<FormField, string>>;

const aliases: Record<string, FormField> = {
  title: 'title',
  description: 'description',
  due_date: 'due_date',
  due: 'due_date',
  priority: 'priority',
  recurrence: 'recurrence_pattern',
  recurrence_pattern: 'recurrence_pattern',
  recurrence_end_date: 'recurrence_end_date',
  tags: 'tags',
  tag_ids: 'tags',
  tag: 'tags',
  name: 'tags',
  remind_at: 'reminder',
  before_due: 'reminder',
  reminder: 'reminder',
};

/**
 * The form field an API field name belongs to. Indexed or nested names ("tags[3]",
 * "tags.2.name") map to their root; unknown names map to `form`.
 */
export function formFieldFor(apiField: string | undefined): FormField {
  if (!apiField) return 'form';
  const root = apiField.split(/[.[]/, 1)[0]!.trim().toLowerCase();
  return aliases[root] ?? 'form';
}

/**
 * Turns a failure into errors to show on the form. A 401 is not a form error (the app signs
 * out instead), but it still gets a message in case the caller shows it.
 */
export function fieldErrors(err: unknown): FieldErrors {
  if (err instanceof ApiError) {
    return { [formFieldFor(err.field)]: err.message };
  }
  return { form: 'Something went wrong. Try again.' };
}
