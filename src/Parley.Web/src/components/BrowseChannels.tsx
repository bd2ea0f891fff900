import { useEffect, useState } from "preact/hooks";
import { api, Conversation } from "../api";
import { t } from "../i18n";
import { conversations, navigate } from "../state";
import { PageHeader } from "./PageHeader";

export function BrowseChannels() {
  const [channels, setChannels] = useState<Conversation[] | null>(null);
  useEffect(() => { api.browse().then(setChannels).catch(() => setChannels([])); }, []);

  async function join(c: Conversation) {
    const joined = await api.join(c.id);
    conversations.value = [...conversations.value.filter(x => x.id !== c.id), joined];
    navigate(`/c/${c.id}`);
  }

  return (
    <div class="page">
      <PageHeader title={t("browse.title")} />
      {channels === null ? <p aria-busy="true">{t("app.loading")}</p> : channels.length === 0 ? <p>{t("browse.none")}</p> : (
        <ul class="card-list">
          {channels.map(c => (
            <li key={c.id} class="card">
              <div>
                <h2># {c.name}</h2>
                {c.topic && <p class="muted">{c.topic}</p>}
              </div>
              {c.isMember
                ? <button type="button" class="secondary" onClick={() => navigate(`/c/${c.id}`)}>{t("browse.open")}</button>
                : <button type="button" class="primary" disabled={c.archived} onClick={() => void join(c)}>{t("browse.join")}</button>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
