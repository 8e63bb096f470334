import { useModal } from '../lib/modal';

/** Every keyboard shortcut, in one place (also what the `?` key opens). */
export const shortcuts: [string, string][] = [
  ['n', 'New task'],
  ['/', 'Search'],
  ['j / k', 'Next / previous task'],
  ['x', 'Complete or reopen the task'],
  ['e', 'Edit the task'],
  ['#', 'Delete the task (Undo follows)'],
  ['z', 'Undo the last complete or delete'],
  ['t', 'Today'],
  ['u', 'Upcoming'],
  ['c', 'Assistant'],
  ['?', 'This list'],
  ['Esc', 'Close a dialog or the assistant'],
];

export function HelpDialog({ onClose }: { onClose(): void }) {
  const ref = useModal(onClose);
  return (
    <dialog ref={ref} class="dialog help" aria-labelledby="help-title">
      <header class="dialog-head">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <button type="button" class="ghost icon-only" aria-label="Close" onClick={() => ref.current?.close()} autofocus>
          ✕
        </button>
      </header>
      <div class="dialog-body">
        <p class="hint">They work anywhere except while typing in a text field.</p>
        <dl class="shortcut-list">
          {shortcuts.map(([k, what]) => (
            <div key={k}>
              <dt>
                {k.split(' / ').map((p, i) => (
                  <>
                    {i > 0 && ' / '}
                    <kbd>{p}</kbd>
                  </>
                ))}
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      </div>
    </dialog>
  );
}
