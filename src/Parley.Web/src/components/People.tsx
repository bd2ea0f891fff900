import { useEffect, useState } from "preact/hooks";
import { api, ApiError, Conversation, Invite } from "../api";
import { t } from "../i18n";
import { refreshUsers, session, users } from "../state";
import { problemText } from "./AuthCard";
import { PageHeader } from "./PageHeader";

const roles = ["owner", "admin", "manager", "member", "guest", "compliance"] as const;
/** Only an owner makes owners and compliance officers. */
const ownersOnly: readonly string[] = ["owner", "compliance"];

/** Admins: invite people, change their role, deactivate them. */
export function People() {
  const me = session.value!.me;
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [invite, setInvite] = useState<Invite | null>(null);
  const [error, setError] = useState<string | null>(null);
  const people = [...users.value.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));

  async function attempt(work: () => Promise<unknown>) {
    setError(null);
    try { await work(); await refreshUsers(); } catch (e) { setError(e instanceof ApiError ? problemText(e) : t("error.generic")); }
  }

  return (
    <div class="page">
      <PageHeader title={t("people.title")} />
      <form class="card stack" onSubmit={e => { e.preventDefault(); void attempt(async () => { setInvite(await api.invite(email, role)); setEmail(""); }); }}>
        <h2>{t("people.invite")}</h2>
        <label>{t("people.email")}<input type="email" required value={email} onInput={e => setEmail(e.currentTarget.value)} /></label>
        <label>{t("people.role")}
          <select value={role} onChange={e => setRole(e.currentTarget.value)}>
            {roles.filter(r => !ownersOnly.includes(r) || me.role === "owner").map(r => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
          </select>
        </label>
        <button type="submit" class="primary">{t("people.sendInvite")}</button>
        {invite && (
          <div class="notice" role="status">
            <p>{t("people.inviteReady", { email: invite.email })}</p>
            <label>{t("people.inviteLink")}<input readOnly value={invite.link} onFocus={e => e.currentTarget.select()} /></label>
          </div>
        )}
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <DefaultChannels />
      <table class="people-table">
        <caption class="visually-hidden">{t("people.title")}</caption>
        <thead><tr><th scope="col">{t("people.name")}</th><th scope="col">{t("people.email")}</th><th scope="col">{t("people.role")}</th><th scope="col"><span class="visually-hidden">{t("people.actions")}</span></th></tr></thead>
        <tbody>
          {people.map(u => (
            <tr key={u.id} class={u.active ? "" : "inactive"}>
              <td>{u.displayName}</td>
              <td>{u.email}</td>
              <td>
                <select aria-label={t("people.roleOf", { name: u.displayName })} value={u.role} disabled={!u.active || u.id === me.id}
                  onChange={e => { const next = e.currentTarget.value; void attempt(() => api.changeRole(u.id, next)); }}>
                  {roles.map(r => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
                </select>
              </td>
              <td>
                {u.active ? (u.id !== me.id && (
                  <button type="button" class="secondary danger" onClick={() => {
                    if (confirm(t("people.confirmDeactivate", { name: u.displayName }))) void attempt(() => api.deactivate(u.id));
                  }}>{t("people.deactivate")}</button>
                )) : <span class="muted">{t("people.deactivated")}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The public channels that people join when their account is created. */
function DefaultChannels() {
  const [channels, setChannels] = useState<Conversation[]>([]);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // Nothing can be ticked until both lists are in: a choice made earlier would be overwritten by the saved one.
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    void Promise.all([
      api.browse().then(all => setChannels(all.filter(c => c.kind === "public" && !c.archived))),
      api.defaultChannels().then(list => setChosen(new Set(list.map(c => c.id)))),
    ]).catch(() => {}).finally(() => setLoaded(true));
  }, []);
  function toggle(id: number, on: boolean) {
    const next = new Set(chosen);
    if (on) next.add(id); else next.delete(id);
    setChosen(next);
  }
  async function save(e: Event) {
    e.preventDefault();
    setMessage(null);
    try {
      const saved = await api.setDefaultChannels([...chosen]);
      setChosen(new Set(saved.map(c => c.id)));
      setMessage({ ok: true, text: t("defaults.saved") });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError ? problemText(err) : t("error.generic") });
    }
  }
  return (
    <form class="card stack" onSubmit={save}>
      <fieldset disabled={!loaded} aria-busy={!loaded}>
        <legend><h2>{t("defaults.title")}</h2></legend>
        <p class="muted">{t("defaults.text")}</p>
        {channels.length === 0 ? <p>{t("defaults.none")}</p> : channels.map(c => (
          <label key={c.id} class="inline">
            <input type="checkbox" checked={chosen.has(c.id)} onChange={e => toggle(c.id, e.currentTarget.checked)} /> # {c.name}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={!loaded || channels.length === 0}>{t("defaults.save")}</button>
      {message && <p class={message.ok ? "notice" : "error"} role={message.ok ? "status" : "alert"}>{message.text}</p>}
    </form>
  );
}
