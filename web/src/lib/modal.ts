import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal <dialog>, shown when the component mounts. onClose runs once, as soon as the dialog
 * stops being open, however it was closed: Escape, close(), a form with method="dialog".
 *
 * The dialog's own 'close' event is queued a task after it closes, and the browser may run a
 * key press first (input is scheduled ahead of other tasks). Waiting for that event left a
 * gap in which the dialog was hidden but still mounted: Escape then "n", typed quickly,
 * found "New task" still in state and opened nothing. Watching the open attribute closes the
 * gap: the observer runs as a microtask, before the next key is handled.
 *
 * focusId names the element that takes focus when the dialog opens.
 */
export function useModal(onClose: () => void, focusId?: string) {
  const ref = useRef<HTMLDialogElement>(null);
  const latest = useRef(onClose);
  latest.current = onClose;
  useEffect(() => {
    const d = ref.current!;
    let closed = false;
    const finish = () => {
      if (closed || d.open) return;
      closed = true;
      latest.current();
    };
    const watch = new MutationObserver(finish);
    watch.observe(d, { attributes: true, attributeFilter: ['open'] });
    d.addEventListener('close', finish);
    if (!d.open) d.showModal();
    if (focusId) document.getElementById(focusId)?.focus();
    return () => {
      watch.disconnect();
      d.removeEventListener('close', finish);
    };
  }, []);
  return ref;
}
