import { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { t } from "../i18n";
import { Icon } from "./Icon";
import { conversations, navigate, session, users } from "../state";
import { problemText } from "./AuthCard";

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => { ref.current?.showModal(); }, []);
  return (
    <dialog ref={ref} class="dialog" aria-label={props.title} onClose={props.onClose}>
      <header class="panel-header">
        <h2>{props.title}</h2>
        <button type="button" class="icon-button" aria-label={t("common.close")} onClick={() => ref.current?.close()}><Icon name="close" /></button>
      </header>
      {props.children}
    </dialog>
  );
}

export function NewChannelDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [visibility, setVisibility] = useState("public");
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    try {
      const created = await api.createChannel(name, visibility, topic, []);
      conversations.value = [...conversations.value, created];
      onClose();
      navigate(`/c/${created.id}`);
    } catch (err) {
      setError(err instanceof ApiError ? problemText(err) : t("error.generic"));
    }
  }

  return (
    <Dialog title={t("newChannel.title")} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <label>{t("newChannel.name")}<input autoFocus required maxLength={80} value={name} onInput={e => setName(e.currentTarget.value)} /></label>
        <label>{t("newChannel.topic")}<input maxLength={250} value={topic} onInput={e => setTopic(e.currentTarget.value)} /></label>
        <fieldset>
          <legend>{t("newChannel.visibility")}</legend>
          <label class="inline"><input type="radio" name="visibility" value="public" checked={visibility === "public"} onChange={() => setVisibility("public")} /> {t("newChannel.public")}</label>
          <label class="inline"><input type="radio" name="visibility" value="private" checked={visibility === "private"} onChange={() => setVisibility("private")} /> {t("newChannel.private")}</label>
        </fieldset>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary">{t("newChannel.create")}</button>
      </form>
    </Dialog>
  );
}

export function NewDirectDialog({ onClose }: { onClose: () => void }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  const me = session.value!.me.id;
  const people = [...users.value.values()]
    .filter(u => u.active && u.id !== me && `${u.displayName} ${u.email} ${u.handle}`.toLowerCase().includes(filter.toLowerCase()));

  async function submit(e: Event) {
    e.preventDefault();
    try {
      const conversation = await api.openDirect(chosen);
      if (!conversations.value.some(c => c.id === conversation.id)) conversations.value = [...conversations.value, conversation];
      onClose();
      navigate(`/c/${conversation.id}`);
    } catch (err) {
      setError(err instanceof ApiError ? problemText(err) : t("error.generic"));
    }
  }

  return (
    <Dialog title={t("newDirect.title")} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <label>{t("newDirect.search")}<input autoFocus type="search" value={filter} onInput={e => setFilter(e.currentTarget.value)} /></label>
        <fieldset class="people-picker">
          <legend>{t("newDirect.people")}</legend>
          {people.map(u => (
            <label class="inline" key={u.id}>
              <input type="checkbox" checked={chosen.includes(u.id)} disabled={!chosen.includes(u.id) && chosen.length >= 8}
                onChange={e => setChosen(e.currentTarget.checked ? [...chosen, u.id] : chosen.filter(id => id !== u.id))} />
              {" "}{u.displayName} <span class="muted">@{u.handle}</span>
            </label>
          ))}
        </fieldset>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={chosen.length === 0}>{t("newDirect.start")}</button>
      </form>
    </Dialog>
  );
}
