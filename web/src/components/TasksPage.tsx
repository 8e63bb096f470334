import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createClient } from '../lib/api';
import { browserZone, formatDue, localToday } from '../lib/dates';
import { enqueue, isOffline, loadQueue, replay, saveQueue, type QueueClient, type QueuedOp } from '../lib/queue';
import {
  groupByDay,
  overdueNow,
  parseMonth,
  pathForView,
  upcomingDays,
  viewFromPath,
  viewQuery,
  views,
  type View,
} from '../lib/views';
import { defaultQuery, describeFilters, formatQuery, isFiltered, parseQuery } from '../lib/query';
import type { Session } from '../lib/session';
import type { Draft } from '../lib/draft';
import { neverSet } from '../lib/profile';
import type { Profile, Reminder, Tag, Task, TaskQuery } from '../lib/types';
import { Calendar } from './Calendar';
import { ChatPanel } from './ChatPanel';
import { HelpDialog } from './HelpDialog';
import { TokensDialog } from './TokensDialog';
import { dueNow, nextCheck, NOTIFY_KEY } from '../lib/notify';
import { openEventStream, OwnChanges, taskOf, trackWrites } from '../lib/events';
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

/** How long after the page opens its event stream starts (changes meanwhile are reloaded then). */
const STREAM_DELAY_MS = 1500;

/** How long Undo is offered after a complete or a delete (the delete is sent after it). */
export const UNDO_MS = 6000;

/** True while keys type text: shortcuts stay quiet then (a focused checkbox is not typing). */
function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(el.type);
  return el.isContentEditable || ['TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** The task rows in page order. */
function taskRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('li.task[data-task-id]')];
}

/** Where the focus goes once the list shows an action's result (see TasksPage). */
interface PendingFocus {
  ids: string[];
  part: 'check' | 'title';
  after: number;
}

/** The row holding the focus, if any. */
function focusedRow(): HTMLElement | null {
  const a = document.activeElement;
  return a instanceof HTMLElement ? a.closest<HTMLElement>('li.task[data-task-id]') : null;
}

/** Ids to give the focus to after `id`'s row changes: itself, then the next row, then the previous. */
function neighbours(id: string): string[] {
  const rows = taskRows().map((r) => r.dataset.taskId!);
  const i = rows.indexOf(id);
  if (i < 0) return [id];
  return [id, ...rows.slice(i + 1), ...rows.slice(0, i).reverse()];
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** The signed-in screen: search, filters, the list, and the task dialog. */
export function TasksPage({ session, onSignOut }: Props) {
  // The page's own task writes are recorded, so their events (GET /events) do not reload the
  // list a second time; changes from elsewhere (another tab, the chat, CalDAV) do.
  const own = useMemo(() => new OwnChanges(), [session]);
  const client = useMemo(() => trackWrites(createClient({ token: session.token, userId: session.userId }), own), [session, own]);
  const zone = useMemo(browserZone, []);
  const [query, setQuery] = useState<TaskQuery>(() => parseQuery(location.search));
  const [view, setView] = useState<View>(() => viewFromPath(location.pathname));
  // The path the page opened at (the URL effect below rewrites it to the view's).
  const [linkedPath] = useState(() => location.pathname);
  const [month, setMonth] = useState(() => parseMonth(new URLSearchParams(location.search).get('month'), localToday(new Date(), zone)));
  // Undo of the last complete or delete, offered in the toast.
  const [undo, setUndo] = useState<{ run(): void } | null>(null);
  // Changes made offline, waiting to be sent (kept in localStorage across reloads).
  const [queue, setQueue] = useState<QueuedOp[]>(() => loadQueue(localStorage));
  const [online, setOnline] = useState(() => navigator.onLine);
  // Deleted in the list, sent to the server when the Undo offer expires.
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const pendingDeletes = useRef(new Map<string, { task: Task; timer: ReturnType<typeof setTimeout> }>());
  const [helpOpen, setHelpOpen] = useState(false);
  // Where the focus goes once the list shows an action's result. `after` is the first load
  // whose answer can show it (a load started after the write returned); a load that was
  // already under way answers with the list from before and leaves the focus alone.
  const pendingFocus = useRef<PendingFocus | null>(null);
  const shownSeq = useRef(0);
  const [loads, setLoads] = useState(0);
  const [tokensOpen, setTokensOpen] = useState(false);
  const [notifyOn, setNotifyOn] = useState(
    () => localStorage.getItem(NOTIFY_KEY) === 'on' && 'Notification' in window && Notification.permission === 'granted',
  );
  const shownNotes = useRef(new Set<string>());
  const notifyRef = useRef(notifyOn);
  notifyRef.current = notifyOn;
  // The server has no event stream (an older one): reminders are then polled for notifications.
  const [streamDown, setStreamDown] = useState(false);
  const tasksRef = useRef<Task[]>([]);
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
  // A new task's draft left with Escape, back the next time New task opens.
  const [keptDraft, setKeptDraft] = useState<Draft | undefined>(undefined);
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
  tasksRef.current = tasks;
  const viewRef = useRef(view);
  viewRef.current = view;
  const monthRef = useRef(month);
  monthRef.current = month;

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
    async (q: TaskQuery, v: View = viewRef.current, m: string = monthRef.current) => {
      const my = ++seq.current;
      setLoading(true);
      try {
        // A view asks for its days; it shows all of them (up to 500 tasks), not page by page.
        const eff = viewQuery(v, q, localToday(new Date(), zone), m);
        const page = await client.listTasks(eff, zone);
        let all = page.tasks;
        let next = page.next_cursor;
        for (let i = 0; v !== 'list' && next && i < 9; i++) {
          const more = await client.listTasks(eff, zone, next);
          all = [...all, ...more.tasks];
          next = more.next_cursor;
        }
        if (my !== seq.current) return; // a newer query answered or will answer
        setTasks(all);
        setCursor(v === 'list' ? next : null);
        setLoadError('');
        setNow(new Date());
        shownSeq.current = my;
        setLoads((n) => n + 1);
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
    void load(query, view, month);
    const params = new URLSearchParams(formatQuery(query));
    if (view === 'calendar' && month !== localToday(new Date(), zone).slice(0, 7)) params.set('month', month);
    const qs = params.toString();
    const url = pathForView(view) + (qs ? `?${qs}` : '');
    if (url !== location.pathname + location.search) {
      if (pathForView(view) !== location.pathname) history.pushState(null, '', url);
      else history.replaceState(null, '', url);
    }
  }, [query, view, month, load]);

  // Back and forward move between views.
  useEffect(() => {
    const on = () => {
      setView(viewFromPath(location.pathname));
      setQuery(parseQuery(location.search));
      setMonth(parseMonth(new URLSearchParams(location.search).get('month'), localToday(new Date(), zone)));
    };
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, [zone]);

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
    const t = setTimeout(() => {
      setAnnouncement('');
      setUndo(null);
    }, undo ? UNDO_MS : 4000);
    return () => clearTimeout(t);
  }, [announcement, undo]);

  /** Shows a message; with `undo`, the toast offers Undo until it fades. */
  function say(message: string, undoRun?: () => void) {
    setAnnouncement(message);
    setUndo(undoRun ? { run: undoRun } : null);
  }

  // The focus lands on a sensible neighbour once the list shows an action's result.
  useEffect(() => {
    const f = pendingFocus.current;
    if (!f || shownSeq.current < f.after) return;
    pendingFocus.current = null;
    for (const id of f.ids) {
      const row = document.querySelector<HTMLElement>(`li.task[data-task-id="${CSS.escape(id)}"]`);
      if (row) {
        row.querySelector<HTMLElement>(f.part === 'check' ? '.task-check' : '.task-title')?.focus();
        return;
      }
    }
    document.querySelector<HTMLElement>('.new-task')?.focus();
  }, [loads, hidden]);

  /** Shows a reminder as a browser notification, once per reminder whichever path sees it. */
  function notifyReminder(reminderId: string, taskId: string, fallbackTitle: string) {
    if (shownNotes.current.has(reminderId)) return;
    shownNotes.current.add(reminderId);
    const task = tasksRef.current.find((t) => String(t.id) === taskId);
    const n = new Notification(task?.title ?? fallbackTitle, {
      body: task?.due_date ? `Reminder: due ${formatDue(task.due_date, new Date(), zone)}` : 'Reminder',
      tag: `reminder-${reminderId}`,
    });
    n.onclick = () => {
      window.focus();
      void showTaskRef.current(Number(taskId));
    };
  }
  const notifyReminderRef = useRef(notifyReminder);
  notifyReminderRef.current = notifyReminder;
  const loadRef = useRef(load);
  loadRef.current = load;
  const loadSideRef = useRef(loadSide);
  loadSideRef.current = loadSide;
  const unauthorizedRef = useRef(unauthorized);
  unauthorizedRef.current = unauthorized;

  // The user's live events (one stream per signed-in page): a change made elsewhere (another
  // tab, the chat, a phone) reloads the list, debounced; a triggered reminder becomes a
  // notification when the user opted in. When the stream first opens the list is reloaded
  // too, for the changes made before it was open.
  useEffect(() => {
    let listTimer: ReturnType<typeof setTimeout> | undefined;
    let sideTimer: ReturnType<typeof setTimeout> | undefined;
    const reloadList = () => {
      clearTimeout(listTimer);
      listTimer = setTimeout(() => void loadRef.current(queryRef.current), 300);
    };
    const reloadSide = () => {
      clearTimeout(sideTimer);
      sideTimer = setTimeout(() => void loadSideRef.current(), 300);
    };
    // Opened once the page has settled: the stream never ends, and must not hold up what
    // waits for the page's loading to finish (the first paint, the browser's idle state).
    let close = () => {};
    const start = setTimeout(() => {
      close = openEventStream({
        url: `/api/${encodeURIComponent(session.userId)}/events`,
        token: session.token,
        onOpen(resumed) {
          setStreamDown(false);
          // What changed between the list's load and the stream's start is not in the
          // stream: reload once. A reconnect resumes from its last id instead.
          if (!resumed) {
            reloadList();
            reloadSide();
          }
        },
        onUnauthorized: () => unauthorizedRef.current(),
        onUnavailable: () => setStreamDown(true),
        onEvent(e) {
          if (e.type.startsWith('reminder.')) {
            reloadSide();
            // Fresh ones only: a replay after a long absence must not pop old reminders up.
            const fresh = !(Date.now() - e.time > 5 * 60_000);
            if (e.type === 'reminder.triggered' && notifyRef.current && fresh && 'Notification' in window) {
              notifyReminderRef.current(String(e.data.reminder_id), String(e.data.task_id), String(e.data.task_title ?? 'Reminder'));
            }
            return;
          }
          void own.isOwn(taskOf(e)).then((mine) => {
            if (mine) return;
            reloadList();
            reloadSide(); // a task from elsewhere may bring new tags
          });
        },
      });
    }, STREAM_DELAY_MS);
    return () => {
      clearTimeout(start);
      close();
      clearTimeout(listTimer);
      clearTimeout(sideTimer);
    };
  }, [session, own]);

  // Without the stream, reminders as browser notifications are polled: the user's reminders
  // are read (again whenever the page's own reminders change, else every minute) and each
  // shows once, at its time.
  useEffect(() => {
    if (!notifyOn || !streamDown) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cycle = async () => {
      let rs: Reminder[] = [];
      try {
        rs = await client.listReminders('all');
      } catch {
        // offline: try again at the next cycle
      }
      if (!live) return;
      for (const r of dueNow(rs, Date.now(), shownNotes.current)) {
        notifyReminderRef.current(String(r.id), String(r.task_id), r.task_title);
      }
      timer = setTimeout(() => void cycle(), nextCheck(rs, Date.now(), shownNotes.current) + 50);
    };
    void cycle();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [notifyOn, streamDown, client, reminders]);

  // Offline changes: the queue is sent when the connection returns.
  const queueOp = useCallback((op: QueuedOp) => {
    setQueue((q) => {
      const n = enqueue(q, op);
      saveQueue(localStorage, n);
      return n;
    });
  }, []);
  const flushing = useRef(false);
  const flush = useCallback(async () => {
    if (flushing.current) return;
    const ops = loadQueue(localStorage);
    if (!ops.length) return;
    flushing.current = true;
    try {
      const r = await replay(ops, client as unknown as QueueClient);
      saveQueue(localStorage, r.remaining);
      setQueue(r.remaining);
      if (r.failed.length) {
        const f = r.failed[0]!;
        setAnnouncement(`“${f.op.title}” could not be ${f.op.kind === 'delete' ? 'deleted' : f.op.kind === 'complete' ? 'completed' : 'reopened'}: ${f.error.message}`);
      } else if (r.sent.length) {
        setAnnouncement(`Back online: ${r.sent.length} ${r.sent.length === 1 ? 'change' : 'changes'} saved.`);
      }
      await load(queryRef.current);
    } finally {
      flushing.current = false;
    }
  }, [client, load]);
  useEffect(() => {
    const up = () => {
      setOnline(true);
      void flush();
    };
    const down = () => setOnline(false);
    addEventListener('online', up);
    addEventListener('offline', down);
    if (navigator.onLine) void flush();
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, [flush]);

  // A delete still waiting for its Undo to expire is sent when the page goes away.
  useEffect(() => {
    const on = () => {
      for (const [id, p] of pendingDeletes.current) {
        clearTimeout(p.timer);
        void fetch(`/api/${encodeURIComponent(session.userId)}/tasks/${encodeURIComponent(id)}`, {
          method: 'DELETE',
          keepalive: true,
          headers: { Authorization: `Bearer ${session.token}` },
        });
      }
      pendingDeletes.current.clear();
    };
    addEventListener('pagehide', on);
    return () => removeEventListener('pagehide', on);
  }, [session]);

  // "Overdue" and "Today" change with the clock, not only with data.
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);

  // Keyboard: the shortcuts HelpDialog lists. Ignored while typing or while a dialog is open
  // (Escape excepted: it leaves the chat from anywhere). The handler is read through a ref so
  // it always sees the current list.
  const keyRef = useRef<(e: KeyboardEvent) => boolean>(() => false);
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
      } else if (keyRef.current(e)) {
        e.preventDefault();
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (chatOpen) setChatMounted(true);
  }, [chatOpen]);

  // /tasks/{id} (a reminder email's link, for example) opens that task over the list.
  useEffect(() => {
    const m = /^\/tasks\/(\d+)\/?$/.exec(linkedPath);
    if (!m) return;
    client
      .getTask(Number(m[1]))
      .then(setEditing)
      .catch((err: unknown) => setAnnouncement(failure(err)));
  }, []);

  // On a phone the chat covers the page: what lies under it must not take focus either.
  const [phone, setPhone] = useState(() => matchMedia(PHONE).matches);
  useEffect(() => {
    const mq = matchMedia(PHONE);
    const on = () => setPhone(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  const covered = chatOpen && phone;

  function go(v: View) {
    setView(v);
    if (v !== 'calendar') setMonth(localToday(new Date(), zone).slice(0, 7));
  }

  keyRef.current = (e: KeyboardEvent): boolean => {
    const row = focusedRow();
    const task = row ? shown.find((t) => String(t.id) === row.dataset.taskId) : undefined;
    switch (e.key) {
      case 'j':
      case 'k': {
        const rows = taskRows();
        if (!rows.length) return true;
        const i = row ? rows.indexOf(row) + (e.key === 'j' ? 1 : -1) : e.key === 'j' ? 0 : rows.length - 1;
        const target = rows[Math.max(0, Math.min(rows.length - 1, i))]!;
        target.querySelector<HTMLElement>('.task-title')?.focus();
        target.scrollIntoView({ block: 'nearest' });
        return true;
      }
      case 'x':
        if (task) void toggle(task);
        return !!task;
      case 'e':
        if (task) setEditing(task);
        return !!task;
      case '#':
        if (task) deleteWithUndo(task);
        return !!task;
      case 'z':
        if (undo) runUndo();
        return !!undo;
      case 't':
        go('today');
        return true;
      case 'u':
        go('upcoming');
        return true;
      case '?':
        setHelpOpen(true);
        return true;
    }
    return false;
  };

  function runUndo() {
    const u = undo;
    setUndo(null);
    setAnnouncement('');
    u?.run();
  }

  /**
   * Deletes in the list at once and offers Undo; the DELETE is sent when the offer expires
   * (the API has no restore), or when the page goes away.
   */
  function deleteWithUndo(task: Task) {
    const id = String(task.id);
    pendingFocus.current = { after: 0, ids: neighbours(id).slice(1), part: focusedRow()?.contains(document.activeElement) && document.activeElement?.classList.contains('task-check') ? 'check' : 'title' };
    setHidden((h) => new Set(h).add(id));
    const timer = setTimeout(() => void commitDelete(task), UNDO_MS);
    pendingDeletes.current.set(id, { task, timer });
    say(`Deleted “${task.title}”.`, () => {
      const p = pendingDeletes.current.get(id);
      if (!p) return;
      clearTimeout(p.timer);
      pendingDeletes.current.delete(id);
      pendingFocus.current = { ids: [id], part: 'title', after: 0 };
      setHidden((h) => {
        const n = new Set(h);
        n.delete(id);
        return n;
      });
      setAnnouncement(`Restored “${task.title}”.`);
    });
  }

  async function commitDelete(task: Task) {
    const id = String(task.id);
    pendingDeletes.current.delete(id);
    const unhide = () =>
      setHidden((h) => {
        const n = new Set(h);
        n.delete(id);
        return n;
      });
    try {
      await client.deleteTask(task.id);
    } catch (err) {
      if (isOffline(err)) {
        queueOp({ kind: 'delete', id, title: task.title });
        unhide(); // the queue hides it from now on
        return;
      }
      if (!(err instanceof ApiError && err.status === 404)) {
        unhide();
        setAnnouncement(`“${task.title}” could not be deleted: ${failure(err)}`);
        return;
      }
    }
    await Promise.all([load(queryRef.current), loadSide()]);
    unhide();
  }

  function closeChat() {
    setChatOpen(false);
    // Back to where the chat was opened from.
    setTimeout(() => chatButton.current?.focus(), 0);
  }

  /** Shows a task the assistant touched: highlighted in the list, or opened when not listed. */
  const showTaskRef = useRef(showTask);
  showTaskRef.current = showTask;
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
    const part = document.activeElement?.classList.contains('task-check') ? 'check' : 'title';
    const focus: PendingFocus = { ids: neighbours(key), part, after: Infinity };
    pendingFocus.current = focus;
    // The write has returned: lists loaded from now on show its result.
    const written = () => {
      if (focus.after === Infinity) focus.after = seq.current + 1;
    };
    const rollback = () => setTasks((ts) => ts.map((t) => (t.id === task.id ? { ...t, completed: task.completed } : t)));
    setBusyIds((s) => new Set(s).add(key));
    // Show the new state at once; the reload below brings the server's truth.
    setTasks((ts) => ts.map((t) => (t.id === task.id ? { ...t, completed: !t.completed } : t)));
    let offline = false;
    try {
      if (task.completed) {
        await client.toggleComplete(task.id);
        say(`Reopened “${task.title}”.`, () => void undoToggle(task, false, null));
      } else {
        await client.completeTask(task.id);
        written();
        if (task.recurrence_pattern) {
          // The next instance is created by an event after the completion commits: show the
          // list now, then again once the instance exists. Undo reopens this one and deletes
          // the instance it spawned.
          const nextP = findNextInstance(task);
          say(`Completed “${task.title}”.`, () => void undoToggle(task, true, nextP));
          void load(queryRef.current);
          const next = await nextP;
          say(
            next
              ? `Completed “${task.title}”. Next one: ${next.due_date ? formatDue(next.due_date, new Date(), zone) : 'added'}.`
              : `Completed “${task.title}”. No next instance has appeared.`,
            () => void undoToggle(task, true, nextP),
          );
        } else {
          say(`Completed “${task.title}”.`, () => void undoToggle(task, true, null));
        }
      }
    } catch (err) {
      if (isOffline(err)) {
        // Kept as done in the list; sent when the connection returns.
        offline = true;
        queueOp({ kind: task.completed ? 'reopen' : 'complete', id: key, title: task.title });
        say(`You’re offline. “${task.title}” will be ${task.completed ? 'reopened' : 'completed'} when the connection returns.`);
      } else {
        rollback();
        const msg = failure(err);
        if (msg) say(`“${task.title}” could not be ${task.completed ? 'reopened' : 'completed'}: ${msg}`);
      }
    } finally {
      written();
      setBusyIds((s) => {
        const n = new Set(s);
        n.delete(key);
        return n;
      });
      if (!offline) await Promise.all([load(queryRef.current), loadSide()]);
      else pendingFocus.current = null;
    }
  }

  /** Undo of a complete (reopen, and delete the instance it spawned) or of a reopen. */
  async function undoToggle(task: Task, wasComplete: boolean, nextP: Promise<Task | null> | null) {
    const key = String(task.id);
    const focus: PendingFocus = { ids: [key], part: 'title', after: Infinity };
    pendingFocus.current = focus;
    setTasks((ts) => ts.map((t) => (t.id === task.id ? { ...t, completed: !wasComplete } : t)));
    try {
      if (wasComplete) await client.toggleComplete(task.id);
      else await client.completeTask(task.id);
      const next = nextP ? await nextP : null;
      if (next) await client.deleteTask(next.id);
      setAnnouncement(wasComplete ? `Reopened “${task.title}”.` : `Completed “${task.title}” again.`);
    } catch (err) {
      if (isOffline(err)) {
        queueOp({ kind: wasComplete ? 'reopen' : 'complete', id: key, title: task.title });
        setAnnouncement('You’re offline. The undo will be sent when the connection returns.');
        return;
      }
      const msg = failure(err);
      if (msg) setAnnouncement(`The undo did not work: ${msg}`);
    }
    focus.after = seq.current + 1;
    await Promise.all([load(queryRef.current), loadSide()]);
  }

  const remindersByTask = useMemo(() => {
    const m = new Map<string, Reminder[]>();
    for (const r of reminders) {
      const k = String(r.task_id);
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  }, [reminders]);

  // What the list shows: the server's list with the changes still waiting applied.
  const shown = useMemo(() => {
    const waiting = new Map<string, QueuedOp['kind']>();
    for (const o of queue) waiting.set(o.id, o.kind);
    return tasks
      .filter((t) => !hidden.has(String(t.id)) && waiting.get(String(t.id)) !== 'delete')
      .map((t) => {
        const w = waiting.get(String(t.id));
        return w === 'complete' ? { ...t, completed: true } : w === 'reopen' ? { ...t, completed: false } : t;
      });
  }, [tasks, hidden, queue]);
  const today = localToday(now, zone);
  const listed = view === 'overdue' ? overdueNow(shown, now) : shown;
  const groups =
    view === 'today' ? groupByDay(shown, zone, today, [today]) : view === 'upcoming' ? groupByDay(shown, zone, today, upcomingDays(today)) : [];

  const item = (t: Task) => (
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
  );

  const filtered = isFiltered(query);
  const filtersPanel = (
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
  );
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
        {!phone && filtersPanel}

        <main class="list-pane" id="task-list" tabIndex={-1}>
          <nav class="views" aria-label="Views">
            {views.map((v) => (
              <a
                key={v.view}
                href={pathForView(v.view)}
                class="view-link"
                aria-current={view === v.view ? 'page' : undefined}
                aria-keyshortcuts={v.key}
                onClick={(e) => {
                  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  go(v.view);
                }}
              >
                {v.label}
                {v.key && <kbd aria-hidden="true">{v.key}</kbd>}
              </a>
            ))}
          </nav>
          {(!online || queue.length > 0) && (
            <p class="offline-note" role="status">
              <Icon name="alert" />
              {online ? 'Sending' : 'Offline'}, {queue.length} {queue.length === 1 ? 'change' : 'changes'} waiting
            </p>
          )}
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
            <h2 class="view-title">{views.find((v) => v.view === view)!.label}</h2>
            <p class="count" aria-live="polite">
              {loading && tasks.length === 0
                ? 'Loading…'
                : `${listed.length}${cursor ? '+' : ''} ${listed.length === 1 && !cursor ? 'task' : 'tasks'}`}
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

          {phone && filtersPanel /* on a phone: right below its button */}

          {loadError && (
            <div class="banner error" role="alert">
              <span>{loadError}</span>
              <button type="button" class="ghost small" onClick={() => void load(query)}>
                Retry
              </button>
            </div>
          )}

          {loading && tasks.length === 0 && !loadError && (
            // Space for the first rows, so the page does not jump when they arrive.
            <ul class="tasks skeleton" aria-hidden="true">
              {[0, 1, 2, 3, 4].map((i) => (
                <li key={i} class="task skeleton-row" />
              ))}
            </ul>
          )}

          {(view === 'list' || view === 'overdue') && listed.length > 0 && (
            <ul class="tasks" aria-busy={loading ? 'true' : 'false'} aria-label={view === 'overdue' ? 'Overdue tasks' : 'Tasks'}>
              {listed.map(item)}
            </ul>
          )}

          {(view === 'today' || view === 'upcoming') &&
            !(loading && tasks.length === 0) &&
            groups.map((g) => (
              <section key={g.key} class={`day-group${g.key === 'overdue' ? ' overdue' : ''}`} aria-labelledby={`day-${g.key}`}>
                <h3 id={`day-${g.key}`} class="day-head">
                  {g.label}
                  <span class="day-count">{g.tasks.length || ''}</span>
                </h3>
                {g.tasks.length > 0 ? (
                  <ul class="tasks" aria-label={g.label}>
                    {g.tasks.map(item)}
                  </ul>
                ) : (
                  <p class="day-empty">Nothing due.</p>
                )}
              </section>
            ))}

          {view === 'calendar' && !(loading && tasks.length === 0) && (
            <Calendar month={month} today={today} tasks={shown} zone={zone} onMonth={setMonth} onOpen={(t) => setEditing(t)} />
          )}

          {!loading && !loadError && view !== 'calendar' && listed.length === 0 && (
            <div class="empty" role="status">
              {view === 'today' ? (
                <>
                  <h2>Nothing due today</h2>
                  <p>Enjoy the day, or look at what is <a href="/upcoming" onClick={(e) => { e.preventDefault(); go('upcoming'); }}>upcoming</a>.</p>
                </>
              ) : view === 'upcoming' ? null : view === 'overdue' ? (
                <>
                  <h2>Nothing overdue</h2>
                  <p>Everything with a due date is on time.</p>
                </>
              ) : filtered ? (
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
          <p class="zone-note" hidden={loading && tasks.length === 0 /* below the rows: it would jump when they arrive */}>
            Times are shown in {zone}.
            {(profile?.tz ?? session.accountZone) && (profile?.tz ?? session.accountZone) !== zone && (
              <> Your account repeats tasks, reads dates and sends reminders in {profile?.tz ?? session.accountZone}.</>
            )}
          </p>
        </main>
      </div>

      <div class={`toast${announcement ? '' : ' idle'}`} role="status" aria-live="polite">
        <span class="toast-text">{announcement}</span>
        {announcement && undo && (
          <button type="button" class="toast-undo" aria-keyshortcuts="z" onClick={runUndo}>
            Undo
          </button>
        )}
      </div>

      {helpOpen && <HelpDialog onClose={() => setHelpOpen(false)} />}

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
          notify={notifyOn}
          onNotify={(on) => {
            localStorage.setItem(NOTIFY_KEY, on ? 'on' : 'off');
            setNotifyOn(on);
          }}
          onTokens={() => setTokensOpen(true)}
        />
      )}

      {tokensOpen && <TokensDialog client={client} zone={zone} onClose={() => setTokensOpen(false)} onUnauthorized={unauthorized} />}

      {editing && (
        <TaskDialog
          client={client}
          zone={zone}
          task={editing === 'new' ? null : editing}
          initial={editing === 'new' ? (initial ?? keptDraft) : undefined}
          restored={editing === 'new' && !initial && !!keptDraft}
          onKeepDraft={setKeptDraft}
          onDelete={deleteWithUndo}
          reminders={editing === 'new' ? [] : (remindersByTask.get(String(editing.id)) ?? [])}
          onClose={() => {
            setEditing(null);
            setInitial(undefined);
          }}
          onChanged={(msg, created) => {
            setAnnouncement(msg);
            if (created) {
              setKeptDraft(undefined);
              pendingFocus.current = { ids: [String(created.id)], part: 'title', after: seq.current + 1 };
            }
            void load(queryRef.current);
            void loadSide();
          }}
          onUnauthorized={unauthorized}
        />
      )}
    </div>
  );
}
