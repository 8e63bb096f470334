import type { Tag, TaskQuery } from '../lib/types';

interface Props {
  id: string;
  /** Shown on a phone only when opened; always shown on wider screens. */
  open: boolean;
  query: TaskQuery;
  tags: Tag[];
  onChange(patch: Partial<TaskQuery>): void;
  onToggleTag(name: string): void;
  onClear(): void;
  canClear: boolean;
}

/** Status, priority, tags, due range, sort and order: every filter the API offers. */
export function Filters({ id, open, query, tags, onChange, onToggleTag, onClear, canClear }: Props) {
  const chosen = new Set(query.tags.map((t) => t.toLowerCase()));
  return (
    <aside id={id} class={`filters ${open ? 'open' : ''}`} aria-label="Filters and sorting">
      <div class="field">
        <label for="flt-status">Status</label>
        <select id="flt-status" value={query.status} onChange={(e) => onChange({ status: e.currentTarget.value as TaskQuery['status'] })}>
          <option value="pending">Open</option>
          <option value="completed">Completed</option>
          <option value="all">All</option>
        </select>
      </div>
      <div class="field">
        <label for="flt-priority">Priority</label>
        <select
          id="flt-priority"
          value={query.priority}
          onChange={(e) => onChange({ priority: e.currentTarget.value as TaskQuery['priority'] })}
        >
          <option value="">Any priority</option>
          <option value="high">High</option>
          <option value="medium">Medium</option>
          <option value="low">Low</option>
        </select>
      </div>
      <fieldset class="field">
        <legend>Tags</legend>
        {tags.length === 0 && query.tags.length === 0 ? (
          <p class="hint">Tags you add to tasks show up here.</p>
        ) : (
          <ul class="tag-filter">
            {/* Tags named in the URL but unknown (e.g. deleted) stay removable. */}
            {[...tags.map((t) => t.name), ...query.tags.filter((n) => !tags.some((t) => t.name.toLowerCase() === n.toLowerCase()))].map(
              (name) => (
                <li key={name}>
                  <button
                    type="button"
                    class="tag toggle"
                    aria-pressed={chosen.has(name.toLowerCase()) ? 'true' : 'false'}
                    onClick={() => onToggleTag(name)}
                  >
                    #{name}
                  </button>
                </li>
              ),
            )}
          </ul>
        )}
      </fieldset>
      <fieldset class="field">
        <legend>Due</legend>
        <div class="field-row tight">
          <div class="field">
            <label for="flt-from">From</label>
            <input id="flt-from" type="date" value={query.dueFrom} max={query.dueTo || undefined} onInput={(e) => onChange({ dueFrom: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="flt-to">To</label>
            <input id="flt-to" type="date" value={query.dueTo} min={query.dueFrom || undefined} onInput={(e) => onChange({ dueTo: e.currentTarget.value })} />
          </div>
        </div>
      </fieldset>
      <div class="field-row tight">
        <div class="field">
          <label for="flt-sort">Sort by</label>
          <select id="flt-sort" value={query.sort} onChange={(e) => onChange({ sort: e.currentTarget.value as TaskQuery['sort'] })}>
            <option value="due_date">Due date</option>
            <option value="priority">Priority</option>
            <option value="created_at">Created</option>
            <option value="title">Title</option>
          </select>
        </div>
        <div class="field">
          <label for="flt-order">Order</label>
          <select id="flt-order" value={query.order} onChange={(e) => onChange({ order: e.currentTarget.value as TaskQuery['order'] })}>
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
        </div>
      </div>
      <button type="button" class="ghost small" disabled={!canClear} onClick={onClear}>
        Clear filters
      </button>
    </aside>
  );
}
