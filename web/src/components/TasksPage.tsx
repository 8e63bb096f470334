import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createClient } from '../lib/api';
import { browserZone, formatDue } from '../lib/dates';
import { defaultQuery, describeFilters, formatQuery, isFiltered, parseQuery } from '../lib/query';
import type { Session } from '../lib/session';
import type { Draft } from '../lib/draft';
import { neverSet } from '../lib/profile';
import type { Profile, Reminder, Tag, Task, TaskQuery } from '../lib/types';
import { ChatPanel } from './ChatPanel';
import { Filters } from './Filters';
import { Icon } from './Icon';
import { QuickAdd } from './QuickAdd';
import { SettingsDialog } from './SettingsDialog';
import { TaskDialog } from './TaskDialog';
import { TaskItem } from './TaskItem';

interface Props {
  session: Session;
  onSignOut(reason?: string): void;
}

/** How long to look for the next instance of a recurring task after completing it. */
const NEXT_INSTANCE_WAIT_MS = 5000;

/** How long a task shown from the assistant (or just added) stays highlighted. */
const HIGHLIGHT_MS = 4000;

/** The width below which the chat takes the whole screen (styles.css's phone layout). */
const PHONE = '(max-width: 720px)';

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** The signed-in screen: search, filters, the list, and the task dialog. */
export function TasksPage({ session, onSignOut }: Props) {
  const client = useMemo(() => createClient({ token: session.token, userId: session.userId }), [session]);
  const zone = useMemo(browserZone, []);
  const [query, setQuery] = useState<TaskQuery>(() => parseQuery(location.search));
  const [searchText, setSearchText] = useState(query.search);
  const [tasks, setTasks] = useState<Task[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState('');
  const [tags, setTags] = useState<Tag[]>([]);
  const [reminders, setReminders] = useState<Reminder[]>([]);
  const [editing, setEditing] = useState<Task | 'new' | null>(null);
  // The full form's starting values when it opens from the quick-add box.
  const [initial, setInitial] = useState<Draft | undefined>(undefined);
  const [busyIds, setBusyIds] = useState<Set<string>>(new Set());
  const [announcement, setAnnouncement] = useState('');
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [now, setNow] = useState(() => new Date());
  const [chatOpen, setChatOpen] = useState(false);
  // Mounted from the first opening on, so closing the drawer keeps the conversation.
  const [chatMounted, setChatMounted] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [profile, setProfile] = useState<Profile | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const chatButton = useRef<HTMLButtonElement>(null);
  const seq = useRef(0);
  // Reloads after slow operations (completing waits for the next instance) use the filters
  // in force when they finish, not when they started.
  const queryRef = useRef(query);
  queryRef.current = query;

  const unauthorized = useCallback(() => onSignOut('Your sign-in has expired. Sign in again.'), [onSignOut]);

  /** Handles a failure shared by every call; returns the message to show, if any. */
  const failure = useCallback(
    (err: unknown): string => {
      if (err instanceof ApiError && err.status === 401) {
        unauthorized();
        return '';
      }
      return err instanceof ApiError ? err.message : 'Something went wrong. Try again.';
    },
    [unauthorized],
  );

  const load = useCallback(
    async (q: TaskQuery) => {
      const my = ++seq.current;
      setLoading(true);
      try {
        const page = await client.listTasks(q, zone);
        if (my !== seq.current) return; // a newer query answered or will answer
        setTasks(page.tasks);
        setCursor(page.next_cursor);
        setLoadError('');
        setNow(new Date());
      } catch (err) {
        if (my === seq.current) setLoadError(failure(err));
      } finally {
        if (my === seq.current) setLoading(false);
      }
    },
    [client, zone, failure],
  );

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    const my = seq.current;
    try {
      const page = await client.listTasks(query, zone, cursor);
      if (my !== seq.current) return;
      setTasks((t) => [...t, ...page.tasks]);
      setCursor(page.next_cursor);
    } catch (err) {
      setAnnouncement(failure(err));
    }
  }, [client, zone, cursor, query, failure]);

  const loadSide = useCallback(async () => {
    try {
      const [t, r] = await Promise.all([client.listTags(), client.listReminders('pending')]);
      setTags(t);
      setReminders(r);
    } catch (err) {
      failure(err);
    }
  }, [client, failure]);

  useEffect(() => {
    void load(query);
    const qs = formatQuery(query);
    if (qs !== location.search) history.replaceState(null, '', location.pathname + qs);
  }, [query, load]);

  useEffect(() => {
    void loadSide();
  }, [loadSide]);

  // The profile's zone is where the server reads "tomorrow at 6pm" and repeats tasks. On the
  // first sign-in (a profile nobody has set yet) the browser's zone becomes the profile's:
  // the token's tz claim was only an initial value.
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        let p = await client.getProfile();
        if (neverSet(p)) {
          const before = p.tz;
          p = await client.updateProfile({ tz: zone });
          if (live && before !== p.tz) setAnnouncement(`Your time zone is now ${p.tz}, this browser’s. Change it in Settings.`);
        }
        if (live) setProfile(p);
      } catch (err) {
        if (live) failure(err);
      }
    })();
    return () => {
      live = false;
    };
  }, [client, zone, failure]);

  useEffect(() => {
    if (!highlight) return;
    const t = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(t);
  }, [highlight]);

  // Search as you type, without a request per keystroke.
  useEffect(() => {
    if (searchText === query.search) return;
    const t = setTimeout(() => setQuery((q) => ({ ...q, search: searchText })), 200);
    return () => clearTimeout(t);
  }, [searchText]);

  // The toast fades; the live region keeps its node, so the next message is announced too.
  useEffect(() => {
    if (!announcement) return;
    const t = setTimeout(() => setAnnouncement(''), 4000);
    return () => clearTimeout(t);
  }, [announcement]);

  // "Overdue" and "Today" change with the clock, not only with data.
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);

  // Keyboard: n = new task, / = search, c = the assistant, Escape closes it. Ignored while
  // typing or while a dialog is open (Escape excepted: it leaves the chat from anywhere).
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('dialog[open]') && document.querySelector('.chat:not([hidden])')) {
        e.preventDefault();
        closeChat();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
      if (e.key === 'c' || e.key === 'C') {
        e.preventDefault();
        setChatOpen(true);
      } else if (e.key === 'n' || e.key === 'N') {
        e.preventDefault();
        setEditing('new');
      } else if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (chatOpen) setChatMounted(true);
  }, [chatOpen]);

  // On a phone the chat covers the page: what lies under it must not take focus either.
  const [phone, setPhone] = useState(() => matchMedia(PHONE).matches);
  useEffect(() => {
    const mq = matchMedia(PHONE);
    const on = () => setPhone(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  const covered = chatOpen && phone;

  function closeChat() {
    setChatOpen(false);
    // Back to where the chat was opened from.
    setTimeout(() => chatButton.current?.focus(), 0);
  }

  /** Shows a task the assistant touched: highlighted in the list, or opened when not listed. */
  async function showTask(id: number) {
    const key = String(id);
    if (phone) setChatOpen(false); // the chat covers the list on a phone
    const el = document.querySelector<HTMLElement>(`li.task[data-task-id="${CSS.escape(key)}"]`);
    if (el) {
      setHighlight(key);
      el.scrollIntoView({ block: 'center', behavior: 'smooth' });
      el.querySelector<HTMLElement>('.task-title')?.focus({ preventScroll: true });
      return;
    }
    try {
      setEditing(await client.getTask(id));
    } catch (err) {
      setAnnouncement(failure(err));
    }
  }

  const tasksChanged = useCallback(() => {
    void load(queryRef.current);
    void loadSide();
  }, [load, loadSide]);

  function update(patch: Partial<TaskQuery>) {
    setQuery((q) => ({ ...q, ...patch }));
  }

  function clearFilters() {
    setSearchText('');
    setQuery((q) => ({ ...defaultQuery, sort: q.sort, order: q.order }));
  }

  function toggleTagFilter(name: string) {
    setQuery((q) => ({
      ...q,
      tags: q.tags.some((t) => t.toLowerCase() === name.toLowerCase())
        ? q.tags.filter((t) => t.toLowerCase() !== name.toLowerCase())
        : [...q.tags, name],
    }));
  }

  /** Looks for the instance spawned (asynchronously, by an event) from a completed task. */
  async function findNextInstance(done: Task): Promise<Task | null> {
    const deadline = Date.now() + NEXT_INSTANCE_WAIT_MS;
    while (Date.now() < deadline) {
      try {
        const page = await client.listTasks({ ...defaultQuery, sort: 'created_at', order: 'desc' }, zone);
        const next = page.tasks.find((t) => t.spawned_from != null && String(t.spawned_from) === String(done.id));
        if (next) return next;
      } catch {
        return null;
      }
      await sleep(250);
    }
    return null;
  }

  async function toggle(task: Task) {
    const key = String(task.id);
    setBusyIds((s) => new Set(s).add(key));
    // Show the new state at once; the reload below brings the server's truth.
    setTasks((ts) => ts.map((t) => (t.id === task.id ? { ...t, completed: !t.completed } : t)));
    try {
      if (task.completed) {
        await client.toggleComplete(task.id);
        setAnnouncement(`Reopened “${task.title}”.`);
      } else {
        await client.completeTask(task.id);
        if (task.recurrence_pattern) {
          setAnnouncement(`Completed “${task.title}”.`);
          // The next instance is created by an event after the completion commits: show the
          // list now, then again once the instance exists.
          void load(queryRef.current);
          const next = await findNextInstance(task);
          setAnnouncement(
            next
              ? `Completed “${task.title}”. Next one: ${next.due_date ? formatDue(next.due_date, new Date(), zone) : 'added'}.`
              : `Completed “${task.title}”. No next instance has appeared.`,
          );
        } else {
          setAnnouncement(`Completed “${task.title}”.`);
        }
      }
    } catch (err) {
      setAnnouncement(failure(err));
    } finally {
      setBusyIds((s) => {
        const n = new Set(s);
        n.delete(key);
        return n;
      });
      await Promise.all([load(queryRef.current), loadSide()]);
    }
  }

  const remindersByTask = useMemo(() => {
    const m = new Map<string, Reminder[]>();
    for (const r of reminders) {
      const k = String(r.task_id);
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  }, [reminders]);

  const filtered = isFiltered(query);
  const activeFilters =
    (query.status !== defaultQuery.status ? 1 : 0) +
    (query.priority ? 1 : 0) +
    query.tags.length +
    (query.dueFrom ? 1 : 0) +
    (query.dueTo ? 1 : 0);

  return (
    <div class={`app${chatOpen ? ' chat-open' : ''}`}>
      <a class="skip-link" href="#task-list" inert={covered}>
        Skip to tasks
      </a>
      <header class={`topbar${chatOpen || phone ? ' compact' : ''}`} inert={covered}>
        <h1 class="brand">
          <span class="brand-mark" aria-hidden="true">✓</span>
          <span class="brand-name">Taskline</span>
        </h1>
        <div class="search" role="search">
          <Icon name="search" class="search-icon" />
          <label for="search" class="visually-hidden">
            Search tasks
          </label>
          <input
            id="search"
            ref={searchRef}
            type="search"
            placeholder="Search tasks"
            autocomplete="off"
            aria-keyshortcuts="/"
            value={searchText}
            onInput={(e) => setSearchText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setQuery((q) => ({ ...q, search: searchText }));
              if (e.key === 'Escape') {
                // First Escape clears the search, the next one leaves the field.
                e.preventDefault();
                if (searchText) setSearchText('');
                else e.currentTarget.blur();
              }
            }}
          />
          <kbd class="kbd-hint" aria-hidden="true">
            /
          </kbd>
        </div>
        <button type="button" class="primary new-task" aria-keyshortcuts="n" onClick={() => setEditing('new')}>
          <Icon name="plus" />
          <span>New task</span>
          <kbd aria-hidden="true">n</kbd>
        </button>
        <button
          type="button"
          ref={chatButton}
          class={`chat-toggle ${chatOpen ? 'primary' : 'ghost'}`}
          aria-keyshortcuts="c"
          aria-expanded={chatOpen ? 'true' : 'false'}
          onClick={() => (chatOpen ? closeChat() : setChatOpen(true))}
        >
          <Icon name="chat" />
          <span class="btn-label">Assistant</span>
        </button>
        <button type="button" class="ghost settings-toggle" onClick={() => setSettingsOpen(true)}>
          <Icon name="settings" />
          <span class="btn-label">Settings</span>
        </button>
        <button type="button" class="ghost signout" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>

      <div class="layout" inert={covered}>
        <Filters
          id="filters"
          open={filtersOpen}
          query={query}
          tags={tags}
          onChange={update}
          onToggleTag={toggleTagFilter}
          onClear={clearFilters}
          canClear={filtered}
        />

        <main class="list-pane" id="task-list" tabIndex={-1}>
          <QuickAdd
            client={client}
            zone={zone}
            onCreated={(t) => {
              setAnnouncement(`Created “${t.title}”.`);
              setHighlight(String(t.id));
              tasksChanged();
            }}
            onMore={(d) => {
              setInitial(d);
              setEditing('new');
            }}
            onUnauthorized={unauthorized}
          />
          <div class="list-head">
            <p class="count" aria-live="polite">
              {loading && tasks.length === 0
                ? 'Loading…'
                : `${tasks.length}${cursor ? '+' : ''} ${tasks.length === 1 && !cursor ? 'task' : 'tasks'}`}
            </p>
            <button
              type="button"
              class="ghost filters-toggle"
              aria-expanded={filtersOpen ? 'true' : 'false'}
              aria-controls="filters"
              onClick={() => setFiltersOpen((o) => !o)}
            >
              <Icon name="filter" /> Filters{activeFilters ? ` (${activeFilters})` : ''}
            </button>
          </div>

          {loadError && (
            <div class="banner error" role="alert">
              <span>{loadError}</span>
              <button type="button" class="ghost small" onClick={() => void load(query)}>
                Retry
              </button>
            </div>
          )}

          {tasks.length > 0 && (
            <ul class="tasks" aria-busy={loading ? 'true' : 'false'} aria-label="Tasks">
              {tasks.map((t) => (
                <TaskItem
                  key={String(t.id)}
                  task={t}
                  reminders={remindersByTask.get(String(t.id)) ?? []}
                  now={now}
                  zone={zone}
                  busy={busyIds.has(String(t.id))}
                  highlight={highlight === String(t.id)}
                  onToggle={(task) => void toggle(task)}
                  onEdit={(task) => setEditing(task)}
                  onTag={toggleTagFilter}
                />
              ))}
            </ul>
          )}

          {!loading && !loadError && tasks.length === 0 && (
            <div class="empty" role="status">
              {filtered ? (
                <>
                  <h2>No tasks match</h2>
                  <p>Nothing matches: {describeFilters(query)}.</p>
                  <button type="button" class="ghost" onClick={clearFilters}>
                    Clear filters
                  </button>
                </>
              ) : (
                <>
                  <h2>No tasks yet</h2>
                  <p>
                    Press <kbd>n</kbd> or choose <strong>New task</strong> to add your first one.
                  </p>
                </>
              )}
            </div>
          )}

          {cursor && !loading && (
            <button type="button" class="ghost load-more" onClick={() => void loadMore()}>
              Show more
            </button>
          )}
          <p class="zone-note">
            Times are shown in {zone}.
            {(profile?.tz ?? session.accountZone) && (profile?.tz ?? session.accountZone) !== zone && (
              <> Your account repeats tasks, reads dates and sends reminders in {profile?.tz ?? session.accountZone}.</>
            )}
          </p>
        </main>
      </div>

      <div class="toast" role="status" aria-live="polite">
        {announcement}
      </div>

      {(chatOpen || chatMounted) && (
        <ChatPanel
          open={chatOpen}
          client={client}
          zone={zone}
          onClose={closeChat}
          onTasksChanged={tasksChanged}
          onShowTask={(id) => void showTask(id)}
          onUnauthorized={unauthorized}
        />
      )}

      {settingsOpen && (
        <SettingsDialog
          client={client}
          profile={profile}
          browserZone={zone}
          onClose={() => setSettingsOpen(false)}
          onSaved={(p) => {
            setProfile(p);
            setAnnouncement('Settings saved.');
          }}
          onUnauthorized={unauthorized}
        />
      )}

      {editing && (
        <TaskDialog
          client={client}
          zone={zone}
          task={editing === 'new' ? null : editing}
          initial={editing === 'new' ? initial : undefined}
          reminders={editing === 'new' ? [] : (remindersByTask.get(String(editing.id)) ?? [])}
          onClose={() => {
            setEditing(null);
            setInitial(undefined);
          }}
          onChanged={(msg) => {
            setAnnouncement(msg);
            void load(queryRef.current);
            void loadSide();
          }}
          onUnauthorized={unauthorized}
        />
      )}
    </div>
  );
}
