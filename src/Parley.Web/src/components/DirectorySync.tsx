import { useEffect, useState } from "preact/hooks";
import { api, ApiError, DirectorySettings, DirectorySettingsChange, DirectorySyncReport, DirectorySyncRun } from "../api";
import { formatDateTime, t } from "../i18n";
import { useAction } from "./useAction";

type Form = Record<Exclude<keyof DirectorySettingsChange, "intervalMinutes">, string> & { intervalMinutes: string };

const empty: Form = {
  serverUrl: "", bindDn: "", bindPassword: "", baseDn: "", userFilter: "(objectClass=inetOrgPerson)", idAttribute: "entryUUID",
  emailAttribute: "mail", nameAttribute: "cn", titleAttribute: "title", groupBaseDn: "", groupFilter: "", groupNameAttribute: "cn",
  groupMemberAttribute: "member", intervalMinutes: "",
};

/** Minutes between scheduled syncs offered; "" syncs only when asked. */
const intervals = ["", "15", "60", "360", "1440", "10080"];

const active = (run: DirectorySyncRun | null) => run?.state === "queued" || run?.state === "running";

function toForm(s: DirectorySettings): Form {
  return {
    ...s, bindPassword: "", titleAttribute: s.titleAttribute ?? "", groupBaseDn: s.groupBaseDn ?? "", groupFilter: s.groupFilter ?? "",
    intervalMinutes: s.intervalMinutes?.toString() ?? "",
  };
}

function toChange({ bindPassword, groupBaseDn, groupFilter, intervalMinutes, ...rest }: Form): DirectorySettingsChange {
  return {
    ...rest, groupBaseDn: groupBaseDn.trim() || null, groupFilter: groupFilter.trim() || null,
    intervalMinutes: intervalMinutes ? Number(intervalMinutes) : null, ...(bindPassword ? { bindPassword } : {}),
  };
}

/**
 * Admins: the organization's LDAP or Active Directory server (the bind password is write-only), a sync on demand
 * followed until it ends, its report, and the last runs. The server refuses anyone else as well.
 */
export function DirectorySyncSettings() {
  const [saved, setSaved] = useState<DirectorySettings | null>(null);
  const [form, setForm] = useState<Form>(empty);
  const [runs, setRuns] = useState<DirectorySyncRun[]>([]);
  const [run, setRun] = useState<DirectorySyncRun | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const { error, busy, run: act } = useAction();

  const show = (settings: DirectorySettings | null) => { setSaved(settings); setForm(settings ? toForm(settings) : empty); };
  const loadRuns = () => api.directorySyncRuns().then(list => { setRuns(list); return list; });

  useEffect(() => {
    void act(async () => {
      try {
        show(await api.directorySettings());
      } catch (e) {
        if (!(e instanceof ApiError && e.code === "directory-not-configured")) throw e;
        show(null);
      }
      const list = await loadRuns();
      if (active(list[0] ?? null)) setRun(list[0]);
    }).finally(() => setLoaded(true));
  }, []);

  // Follows a queued or running sync until it is done or failed, then refreshes the list of runs.
  useEffect(() => {
    if (!run || !active(run)) return;
    let stopped = false;
    const timer = setTimeout(() => {
      api.directorySyncRun(run.id)
        .then(next => { if (stopped) return; setRun(next); if (!active(next)) void loadRuns().catch(() => {}); })
        .catch(() => { if (!stopped) setRun({ ...run }); });   // try again on the next tick
    }, 1000);
    return () => { stopped = true; clearTimeout(timer); };
  }, [run]);

  const save = (e: Event) => { e.preventDefault(); setNotice(null); void act(async () => {
    show(await api.saveDirectorySettings(toChange(form)));
    setNotice(t("directory.saved"));
  }); };
  const remove = () => { setNotice(null); void act(async () => {
    await api.removeDirectorySettings();
    show(null);
    setNotice(t("directory.removed"));
  }); };
  const syncNow = () => { setNotice(null); void act(async () => { setRun(await api.startDirectorySync()); }); };
  const open = (id: string) => { setNotice(null); void act(async () => { setRun(await api.directorySyncRun(id)); }); };
  const set = (key: keyof Form) => (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value });

  if (!loaded) return null;
  const choices = form.intervalMinutes && !intervals.includes(form.intervalMinutes) ? [...intervals, form.intervalMinutes] : intervals;
  return (
    <section class="card stack directory" aria-labelledby="directory-title">
      <h2 id="directory-title">{t("directory.title")}</h2>
      <p class="muted">{t("directory.intro")}</p>
      <form class="stack" onSubmit={save}>
        <label>{t("directory.serverUrl")}
          <input required maxLength={500} placeholder="ldaps://ldap.example.com" autocomplete="off" spellcheck={false}
            value={form.serverUrl} onInput={set("serverUrl")} />
        </label>
        <label>{t("directory.bindDn")}
          <input required maxLength={1000} placeholder="cn=parley-sync,dc=example,dc=com" autocomplete="off" spellcheck={false}
            value={form.bindDn} onInput={set("bindDn")} />
        </label>
        <label>{t("directory.bindPassword")}
          <input type="password" autocomplete="new-password" maxLength={256} required={!saved?.bindPasswordSet}
            placeholder={saved?.bindPasswordSet ? t("directory.passwordKept") : ""} value={form.bindPassword} onInput={set("bindPassword")} />
        </label>
        <label>{t("directory.baseDn")}
          <input required maxLength={1000} placeholder="ou=people,dc=example,dc=com" spellcheck={false}
            value={form.baseDn} onInput={set("baseDn")} />
        </label>
        <label>{t("directory.userFilter")}
          <input required maxLength={1000} spellcheck={false} value={form.userFilter} onInput={set("userFilter")} />
        </label>
        <details>
          <summary>{t("directory.attributes")}</summary>
          <div class="stack">
            <label>{t("directory.idAttribute")}<input spellcheck={false} value={form.idAttribute} onInput={set("idAttribute")} /></label>
            <label>{t("directory.emailAttribute")}<input spellcheck={false} value={form.emailAttribute} onInput={set("emailAttribute")} /></label>
            <label>{t("directory.nameAttribute")}<input spellcheck={false} value={form.nameAttribute} onInput={set("nameAttribute")} /></label>
            <label>{t("directory.titleAttribute")}<input spellcheck={false} value={form.titleAttribute} onInput={set("titleAttribute")} /></label>
          </div>
        </details>
        <details open={!!saved?.groupBaseDn}>
          <summary>{t("directory.groups")}</summary>
          <div class="stack">
            <p class="muted">{t("directory.groupsIntro")}</p>
            <label>{t("directory.groupBaseDn")}
              <input maxLength={1000} placeholder="ou=groups,dc=example,dc=com" spellcheck={false}
                required={!!form.groupFilter.trim()} value={form.groupBaseDn} onInput={set("groupBaseDn")} />
            </label>
            <label>{t("directory.groupFilter")}
              <input maxLength={1000} placeholder="(objectClass=groupOfNames)" spellcheck={false}
                required={!!form.groupBaseDn.trim()} value={form.groupFilter} onInput={set("groupFilter")} />
            </label>
            <label>{t("directory.groupNameAttribute")}
              <input spellcheck={false} value={form.groupNameAttribute} onInput={set("groupNameAttribute")} />
            </label>
            <label>{t("directory.groupMemberAttribute")}
              <input spellcheck={false} value={form.groupMemberAttribute} onInput={set("groupMemberAttribute")} />
            </label>
          </div>
        </details>
        <label>{t("directory.schedule")}
          <select value={form.intervalMinutes} onChange={set("intervalMinutes")}>
            {choices.map(minutes => <option key={minutes} value={minutes}>{every(minutes)}</option>)}
          </select>
        </label>
        {saved?.nextRunAt && <p class="muted">{t("directory.nextRun", { when: formatDateTime(saved.nextRunAt) })}</p>}
        <div class="row wrap">
          <button type="submit" class="primary" disabled={busy}>{t("directory.save")}</button>
          {saved && <button type="button" class="secondary danger" disabled={busy} onClick={remove}>{t("directory.remove")}</button>}
        </div>
      </form>
      {saved && (
        <div class="stack">
          <h3>{t("directory.syncTitle")}</h3>
          <div class="row wrap">
            <button type="button" class="primary" disabled={busy || active(run)} onClick={syncNow}>{t("directory.syncNow")}</button>
          </div>
        </div>
      )}
      {run && <RunView run={run} />}
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {runs.length > 0 && (
        <div class="stack">
          <h3>{t("directory.lastRuns")}</h3>
          <ul class="device-list">
            {runs.map(r => (
              <li key={r.id}>
                <div>
                  <strong>{stateText(r)}</strong>
                  <p class="muted">{t(r.scheduled ? "directory.runScheduled" : "directory.runAsked", { when: formatDateTime(r.requestedAt) })}</p>
                </div>
                {r.state === "done" &&
                  <button type="button" class="secondary" disabled={busy}
                    aria-label={t("directory.openReportOf", { when: formatDateTime(r.requestedAt) })}
                    onClick={() => open(r.id)}>{t("directory.openReport")}</button>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

const named: Record<string, Parameters<typeof t>[0]> = {
  "": "directory.scheduleNone", "60": "directory.everyHour", "360": "directory.everySixHours", "1440": "directory.everyDay",
  "10080": "directory.everyWeek",
};

const every = (minutes: string) => named[minutes] ? t(named[minutes]) : t("directory.everyMinutes", { n: minutes });

function stateText(run: DirectorySyncRun) {
  switch (run.state) {
    case "queued": return t("directory.state.queued");
    case "running": return run.phase === "applying"
      ? t("directory.state.applying", { n: run.entriesRead }) : t("directory.state.reading", { n: run.entriesRead });
    case "done": return t("directory.state.done");
    default: return t("directory.state.failed");
  }
}

/** A sync while it runs (what it is doing), then its report or why it failed. */
function RunView({ run }: { run: DirectorySyncRun }) {
  if (active(run))
    return <p class="notice" role="status" aria-live="polite">{stateText(run)}</p>;
  if (run.state === "failed")
    return <p class="error" role="alert">{t("directory.failed", { error: run.error ?? "" })}</p>;
  return run.report ? <Report report={run.report} when={run.completedAt ?? run.requestedAt} /> : null;
}

function Report({ report, when }: { report: DirectorySyncReport; when: string }) {
  const c = report.counts;
  const counts: [string, number][] = [
    [t("directory.count.read"), c.entriesRead], [t("directory.count.created"), c.created], [t("directory.count.linked"), c.linked],
    [t("directory.count.updated"), c.updated], [t("directory.count.unchanged"), c.unchanged],
    [t("directory.count.deactivated"), c.deactivated], [t("directory.count.reactivated"), c.reactivated],
    [t("directory.count.skipped"), c.skipped], [t("directory.count.membershipsAdded"), c.membershipsAdded],
    [t("directory.count.membershipsRemoved"), c.membershipsRemoved],
  ];
  const people: [string, { email: string; detail?: string }[]][] = [
    [t("directory.count.created"), report.created], [t("directory.count.linked"), report.linked],
    [t("directory.count.updated"), report.updated.map(u => ({ email: u.email, detail: u.fields.join(", ") }))],
    [t("directory.count.deactivated"), report.deactivated], [t("directory.count.reactivated"), report.reactivated],
  ];
  return (
    <div class="stack directory-report" role="status">
      <h3>{t("directory.reportTitle", { when: formatDateTime(when) })}</h3>
      <p>{t("directory.reportSummary", { created: c.created, updated: c.updated, deactivated: c.deactivated, reactivated: c.reactivated,
        skipped: c.skipped })}</p>
      <dl class="directory-counts">
        {counts.map(([label, n]) => <div key={label}><dt>{label}</dt><dd>{n}</dd></div>)}
      </dl>
      {people.filter(([, list]) => list.length > 0).map(([label, list]) => (
        <details key={label}>
          <summary>{label} ({list.length})</summary>
          <ul>{list.map(p => <li key={p.email}>{p.email}{p.detail && <span class="muted"> · {p.detail}</span>}</li>)}</ul>
        </details>
      ))}
      {report.skipped.length > 0 && (
        <details open>
          <summary>{t("directory.count.skipped")} ({report.skipped.length})</summary>
          <ul>
            {report.skipped.map(s => (
              <li key={s.entry + s.reason}>
                <code class="directory-dn">{s.entry}</code>{s.email && <span> · {s.email}</span>}
                <br /><span class="muted">{skipReason(s.reason, s.detail)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {report.truncated && <p class="muted">{t("directory.truncated")}</p>}
    </div>
  );
}

const reasons: Record<string, Parameters<typeof t>[0]> = {
  "email-taken": "directory.skip.emailTaken",
  "deactivated-by-admin": "directory.skip.deactivatedByAdmin",
  "id-missing": "directory.skip.idMissing",
  "email-missing": "directory.skip.emailMissing",
  "email-invalid": "directory.skip.emailInvalid",
  "id-duplicate": "directory.skip.idDuplicate",
  "email-duplicate": "directory.skip.emailDuplicate",
};

/** The reason in the reader's language where it is known; the server's words (such as a name's problem) otherwise. */
const skipReason = (reason: string, detail: string) => reasons[reason] ? t(reasons[reason]) : detail;
