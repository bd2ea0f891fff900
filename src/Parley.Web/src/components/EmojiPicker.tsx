import { useEffect, useRef, useState } from "preact/hooks";
import { EmojiSet, loadEmojis, searchEmojis } from "../emoji";
import { language, t } from "../i18n";

const columns = 8;
let pickers = 0;

/**
 * The full emoji set with search, as a popover. The search box keeps the focus; the arrow keys move through the emoji
 * (a listbox laid out as a grid, named by aria-activedescendant), Enter picks, Escape closes. The data loads on first use.
 */
export function EmojiPicker(props: { label: string; onPick: (emoji: string) => void; onClose: () => void }) {
  const [set, setSet] = useState<EmojiSet | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [id] = useState(() => `emoji-picker-${++pickers}`);
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const lang = language.value;

  useEffect(() => {
    let live = true;
    loadEmojis(lang).then(s => { if (live) setSet(s); }, () => { if (live) setFailed(true); });
    return () => { live = false; };
  }, [lang]);

  useEffect(() => { input.current?.focus(); }, []);

  useEffect(() => {                                   // a click elsewhere closes it
    const away = (e: MouseEvent) => { if (root.current && !root.current.contains(e.target as Node)) props.onClose(); };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [props.onClose]);

  const shown = set ? searchEmojis(set, query) : [];
  const current = Math.min(active, Math.max(shown.length - 1, 0));

  useEffect(() => {
    document.getElementById(`${id}-${current}`)?.scrollIntoView({ block: "nearest" });
  }, [current, query, set]);

  function onKeyDown(e: KeyboardEvent) {
    const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[e.key];
    if (move !== undefined && shown.length) {
      e.preventDefault();
      setActive(Math.min(Math.max(current + move, 0), shown.length - 1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown[current]) props.onPick(shown[current].unicode);
    } else if (e.key === "Escape") {
      e.preventDefault();                             // this Escape closes the picker, not the panel behind it
      e.stopPropagation();
      props.onClose();
    }
  }

  return (
    <div class="emoji-popover" ref={root} role="dialog" aria-label={props.label}>
      <input ref={input} type="text" class="emoji-search" role="combobox" aria-expanded="true" aria-autocomplete="list"
        aria-controls={`${id}-list`} aria-activedescendant={shown.length ? `${id}-${current}` : undefined}
        aria-label={t("emoji.search")} placeholder={t("emoji.search")} value={query} autoComplete="off"
        onInput={e => { setQuery(e.currentTarget.value); setActive(0); }} onKeyDown={onKeyDown} />
      {!set && !failed && <p class="muted" aria-busy="true">{t("app.loading")}</p>}
      {failed && <p class="error" role="alert">{t("error.generic")}</p>}
      {set && (
        <div class="emoji-grid" role="listbox" id={`${id}-list`} aria-label={t("emoji.results")}>
          {shown.map((e, i) => (
            <div key={e.unicode} id={`${id}-${i}`} role="option" aria-selected={i === current} aria-label={e.label} title={e.label}
              class={`emoji-option ${i === current ? "active" : ""}`}
              onMouseDown={ev => ev.preventDefault()} onClick={() => props.onPick(e.unicode)}>{e.unicode}</div>
          ))}
        </div>
      )}
      {set && <p class="emoji-preview muted">{shown.length ? shown[current].label : t("emoji.none")}</p>}
    </div>
  );
}
