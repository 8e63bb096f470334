import { monthGrid, shiftMonth, tasksByDay } from '../lib/views';
import type { Task } from '../lib/types';

interface Props {
  month: string;
  today: string;
  tasks: Task[];
  zone: string;
  onMonth(month: string): void;
  onOpen(task: Task): void;
}

const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const weekdayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

function fullDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** A month grid (Monday first) of the tasks due each local day; a title opens the task. */
export function Calendar({ month, today, tasks, zone, onMonth, onOpen }: Props) {
  const days = monthGrid(month);
  const byDay = tasksByDay(tasks, zone);
  const weeks: string[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  return (
    <section class="calendar" aria-labelledby="cal-title">
      <div class="cal-head">
        <button type="button" class="ghost small" aria-label="Previous month" onClick={() => onMonth(shiftMonth(month, -1))}>
          ‹
        </button>
        <h2 id="cal-title">{monthName(month)}</h2>
        <button type="button" class="ghost small" aria-label="Next month" onClick={() => onMonth(shiftMonth(month, 1))}>
          ›
        </button>
        {month !== today.slice(0, 7) && (
          <button type="button" class="ghost small" onClick={() => onMonth(today.slice(0, 7))}>
            This month
          </button>
        )}
      </div>
      <table class="cal-grid" aria-labelledby="cal-title">
        <thead>
          <tr>
            {weekdays.map((d, i) => (
              <th key={d} scope="col" abbr={weekdayNames[i]}>
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={w[0]}>
              {w.map((d) => {
                const ts = byDay.get(d) ?? [];
                const cls = [d.slice(0, 7) !== month ? 'outside' : '', d === today ? 'today' : ''].filter(Boolean).join(' ');
                return (
                  <td key={d} class={cls} data-date={d} aria-current={d === today ? 'date' : undefined}>
                    <span class="cal-date">
                      <span aria-hidden="true">{Number(d.slice(8))}</span>
                      <span class="visually-hidden">
                        {fullDate(d)}
                        {ts.length ? `, ${ts.length} ${ts.length === 1 ? 'task' : 'tasks'}` : ''}
                      </span>
                    </span>
                    {ts.length > 0 && (
                      <ul class="cal-tasks">
                        {ts.map((t) => (
                          <li key={String(t.id)}>
                            <button
                              type="button"
                              class={`cal-task prio-${t.priority}${t.completed ? ' done' : ''}`}
                              onClick={() => onOpen(t)}
                            >
                              {t.completed && <span class="visually-hidden">Done: </span>}
                              {t.title}
                            </button>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
