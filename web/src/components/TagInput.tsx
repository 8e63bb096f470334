import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from './Icon';

interface Props {
  id: string;
  value: string[];
  onChange(tags: string[]): void;
  /** Tag names that start with `prefix`, from the user's tags. */
  suggest(prefix: string): Promise<string[]>;
  invalid: boolean;
  describedBy: string;
}

const MAX_TAGS = 20;

/**
 * A list of tags with a combobox that completes from the user's tags (WAI-ARIA combobox
 * pattern: arrows move, Enter picks, Escape closes the list). Enter, comma or space adds
 * what was typed; Enter on an empty field submits the form as everywhere else.
 */
export function TagInput({ id, value, onChange, suggest, invalid, describedBy }: Props) {
  const [text, setText] = useState('');
  const [options, setOptions] = useState<string[]>([]);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const seq = useRef(0);
  const listId = `${id}-listbox`;

  useEffect(() => {
    const prefix = text.trim();
    if (!prefix) {
      setOptions([]);
      setOpen(false);
      return;
    }
    const my = ++seq.current;
    const timer = setTimeout(() => {
      suggest(prefix)
        .then((names) => {
          if (my !== seq.current) return;
          const chosen = new Set(value.map((v) => v.toLowerCase()));
          const left = names.filter((n) => !chosen.has(n.toLowerCase())).slice(0, 8);
          setOptions(left);
          setActive(left.length ? 0 : -1);
          setOpen(left.length > 0);
        })
        .catch(() => {
          // Suggestions are a convenience: typing a full name still works without them.
          if (my === seq.current) setOpen(false);
        });
    }, 120);
    return () => clearTimeout(timer);
  }, [text]);

  function add(name: string) {
    const n = name.trim().replace(/^#/, '');
    setText('');
    setOpen(false);
    if (!n || value.some((v) => v.toLowerCase() === n.toLowerCase()) || value.length >= MAX_TAGS) return;
    onChange([...value, n]);
  }

  function remove(name: string) {
    onChange(value.filter((v) => v !== name));
  }

  function onKeyDown(e: KeyboardEvent) {
    const key = e.key;
    if (key === 'ArrowDown' || key === 'ArrowUp') {
      if (!options.length) return;
      e.preventDefault();
      setOpen(true);
      const step = key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (a + step + options.length) % options.length);
    } else if (key === 'Enter') {
      if (open && active >= 0 && options[active]) {
        e.preventDefault();
        add(options[active]!);
      } else if (text.trim()) {
        e.preventDefault();
        add(text);
      }
      // Empty field: let Enter submit the form.
    } else if (key === ',' || key === ' ') {
      if (text.trim()) {
        e.preventDefault();
        add(text);
      }
    } else if (key === 'Escape' && open) {
      // Close the list, not the dialog around it.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    } else if (key === 'Backspace' && text === '' && value.length) {
      remove(value[value.length - 1]!);
    }
  }

  return (
    <div class={`tag-input ${invalid ? 'invalid' : ''}`}>
      {value.length > 0 && (
        <ul class="chips" aria-label="Chosen tags">
          {value.map((name) => (
            <li key={name} class="chip">
              #{name}
              <button type="button" class="chip-remove" aria-label={`Remove tag ${name}`} onClick={() => remove(name)}>
                <Icon name="x" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="combo">
        <input
          id={id}
          type="text"
          role="combobox"
          autocomplete="off"
          spellcheck={false}
          aria-autocomplete="list"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls={listId}
          aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid={invalid ? 'true' : undefined}
          aria-describedby={describedBy}
          placeholder={value.length >= MAX_TAGS ? 'At most 20 tags' : 'Add a tag'}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            // Typed but not confirmed: keep it rather than silently dropping it.
            if (text.trim()) add(text);
            setOpen(false);
          }}
        />
        <ul id={listId} role="listbox" class="listbox" hidden={!open} aria-label="Matching tags">
          {options.map((name, i) => (
            <li
              key={name}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active ? 'true' : 'false'}
              class={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault(); // keep focus in the input
                add(name);
              }}
            >
              #{name}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
