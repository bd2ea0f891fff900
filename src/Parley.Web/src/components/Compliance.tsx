import { useEffect, useRef, useState } from "preact/hooks";
import {
  api, ApiError, Checkpoint, ComplianceConversation, DiscoveredMessage, DiscoveryCriteria, DiscoveryExport, DryRun, IntegrityReport,
  LegalHold, RetentionPolicy, saveDownload,
} from "../api";
import { formatDateTime, Key, plural, t } from "../i18n";
import { session, userName, users } from "../state";
import { problemText } from "./AuthCard";
import { PageHeader } from "./PageHeader";

const kinds = ["public", "private", "direct", "group"] as const;

/** What the console shows when a call fails: the problem's own words, or a generic line. */
function failure(e: unknown): string {
  return e instanceof ApiError ? problemText(e) : t("error.generic");
}

/** The compliance console: the record's state, retention with its dry run, legal holds, and the organization's setting. */
export function Compliance() {
  const [conversations, setConversations] = useState<ComplianceConversation[]>([]);
  const [exportsChanged, setExportsChanged] = useState(0);
  useEffect(() => { void api.complianceConversations().then(setConversations).catch(() => {}); }, []);
  const name = (id: number) => {
    const c = conversations.find(x => x.id === id);
    if (!c) return `#${id}`;
    return c.name ?? c.memberIds.map(userName).join(", ");
  };
  return (
    <div class="page compliance">
      <PageHeader title={t("compliance.title")} />
      <p class="muted">{t("compliance.intro")}</p>
      <RecordStatus />
      <Search conversations={conversations} name={name} onExported={() => setExportsChanged(n => n + 1)} />
      <Exports changed={exportsChanged} />
      <Retention conversations={conversations} name={name} />
      <Holds conversations={conversations} name={name} onExported={() => setExportsChanged(n => n + 1)} />
      <Settings />
    </div>
  );
}

function RecordStatus() {
  const [checkpoint, setCheckpoint] = useState<Checkpoint | null | undefined>(undefined);
  const [report, setReport] = useState<IntegrityReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.latestCheckpoint().then(setCheckpoint).catch(e => e instanceof ApiError && e.status === 404 ? setCheckpoint(null) : setError(failure(e)));
  }, []);

  async function check() {
    setBusy(true); setError(null); setReport(null);
    try { setReport(await api.integrity()); } catch (e) { setError(failure(e)); } finally { setBusy(false); }
  }

  return (
    <section class="card stack" aria-labelledby="record-status">
      <h2 id="record-status">{t("compliance.record")}</h2>
      {checkpoint === null && <p>{t("compliance.noCheckpoint")}</p>}
      {checkpoint && (
        <dl class="facts">
          <dt>{t("compliance.checkpointSize")}</dt><dd>{checkpoint.size}</dd>
          <dt>{t("compliance.checkpointAt")}</dt><dd>{formatDateTime(checkpoint.createdAt)}</dd>
          <dt>{t("compliance.checkpointKey")}</dt><dd><code>{checkpoint.keyId}</code></dd>
          <dt>{t("compliance.witnesses")}</dt>
          <dd>{checkpoint.publishedTo.length === 0 ? t("compliance.noWitness") : checkpoint.publishedTo.map(p => p.witness).join(", ")}</dd>
        </dl>
      )}
      <div><button type="button" class="secondary" disabled={busy} onClick={() => void check()}>
        {busy ? t("compliance.checking") : t("compliance.checkIntegrity")}
      </button></div>
      <div role="status">
        {report && (report.intact
          ? <p class="notice">{t("compliance.intact", { entries: report.entriesChecked + report.auditEventsChecked, conversations: report.conversationsChecked, files: report.filesChecked })}</p>
          : <p class="error">{t("compliance.broken", { chain: report.firstBroken?.chain ?? "", index: report.firstBroken?.index ?? 0, problem: report.firstBroken?.problem ?? "" })}</p>)}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

const formats = ["jsonl", "csv", "eml", "actiance"] as const;

function selectedOf(e: Event): string[] {
  return [...(e.currentTarget as HTMLSelectElement).selectedOptions].map(o => o.value);
}

/** People, conversations, a date range and words: what a search and a legal hold are scoped by. */
function ScopeFields(props: {
  peopleLabel: Key; conversationsLabel: Key; conversations: ComplianceConversation[]; name: (id: number) => string;
  people: string[]; setPeople: (ids: string[]) => void; scoped: number[]; setScoped: (ids: number[]) => void;
  from: string; setFrom: (value: string) => void; to: string; setTo: (value: string) => void; words: string; setWords: (value: string) => void;
}) {
  const everyone = [...users.value.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
  return <>
    <label>{t(props.peopleLabel)}
      <select aria-label={t(props.peopleLabel)} multiple size={Math.min(6, Math.max(2, everyone.length))} onChange={e => props.setPeople(selectedOf(e))}>
        {everyone.map(u => <option key={u.id} value={u.id} selected={props.people.includes(u.id)}>{u.displayName} ({u.email})</option>)}
      </select>
    </label>
    <label>{t(props.conversationsLabel)}
      <select aria-label={t(props.conversationsLabel)} multiple size={Math.min(6, Math.max(2, props.conversations.length))}
        onChange={e => props.setScoped(selectedOf(e).map(Number))}>
        {props.conversations.map(c => <option key={c.id} value={String(c.id)} selected={props.scoped.includes(c.id)}>{props.name(c.id)}</option>)}
      </select>
    </label>
    <div class="row">
      <label>{t("compliance.from")}<input type="date" value={props.from} onInput={e => props.setFrom(e.currentTarget.value)} /></label>
      <label>{t("compliance.to")}<input type="date" value={props.to} onInput={e => props.setTo(e.currentTarget.value)} /></label>
    </div>
    <label>{t("compliance.words")}<input value={props.words} placeholder={t("compliance.wordsHint")} onInput={e => props.setWords(e.currentTarget.value)} /></label>
  </>;
}

/** The text of a message as it now stands in the record: its last version, or a word that says it was erased. */
function latestText(m: DiscoveredMessage): string {
  const last = m.versions[m.versions.length - 1];
  return !last ? "" : last.erased ? t("compliance.erased") : last.text ?? "";
}

function Search(props: { conversations: ComplianceConversation[]; name: (id: number) => string; onExported: () => void }) {
  const [senders, setSenders] = useState<string[]>([]);
  const [scoped, setScoped] = useState<number[]>([]);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [words, setWords] = useState("");
  const [withFiles, setWithFiles] = useState(false);
  const [format, setFormat] = useState<string>("jsonl");
  const [searched, setSearched] = useState<DiscoveryCriteria | null>(null);
  const [results, setResults] = useState<DiscoveredMessage[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const criteria = (): DiscoveryCriteria => ({
    senderIds: senders, conversationIds: scoped,
    from: from ? new Date(from).toISOString() : null, to: to ? new Date(to).toISOString() : null,
    words: words.split(",").map(w => w.trim()).filter(w => w.length > 0), hasFile: withFiles ? true : null,
  });

  async function search(more: boolean) {
    const asked = more && searched ? searched : criteria();
    setBusy(true); setError(null); setNotice(null);
    try {
      const page = await api.discoverySearch(asked, more ? next : null);
      setSearched(asked);
      setResults(more ? [...results, ...page.messages] : page.messages);
      setNext(page.next);
    } catch (e) { setError(failure(e)); } finally { setBusy(false); }
  }

  async function exportResults() {
    if (!searched) return;
    setError(null); setNotice(null);
    try { await api.createExport({ criteria: searched }, format); setNotice(t("compliance.exportStarted")); props.onExported(); }
    catch (e) { setError(failure(e)); }
  }

  return (
    <section class="card stack" aria-labelledby="search">
      <h2 id="search">{t("compliance.search")}</h2>
      <p class="muted">{t("compliance.searchHelp")}</p>
      <form class="stack" onSubmit={e => { e.preventDefault(); void search(false); }}>
        <ScopeFields peopleLabel="compliance.senders" conversationsLabel="compliance.inConversations" conversations={props.conversations}
          name={props.name} people={senders} setPeople={setSenders} scoped={scoped} setScoped={setScoped}
          from={from} setFrom={setFrom} to={to} setTo={setTo} words={words} setWords={setWords} />
        <label class="inline check">
          <input type="checkbox" checked={withFiles} onChange={e => setWithFiles(e.currentTarget.checked)} />{t("compliance.withFiles")}
        </label>
        <div><button type="submit" class="primary" disabled={busy}>{t("compliance.searchButton")}</button></div>
      </form>
      <div role="status">
        {searched && <p>{next === null ? t("compliance.resultsAll", { count: results.length }) : t("compliance.resultsSoFar", { count: results.length })}</p>}
        {notice && <p class="notice">{notice}</p>}
      </div>
      {results.length > 0 && (
        <ol class="results" aria-label={t("compliance.results")}>
          {results.map(m => (
            <li key={m.id}>
              <p class="muted">{t("compliance.resultHeading", {
                sender: m.sender.name, conversation: m.conversationName ?? props.name(m.conversationId), when: formatDateTime(m.sentAt) })}</p>
              <p class="result-text">{latestText(m)}</p>
              {m.versions.length > 1 && (
                <details><summary>{t("compliance.versions", { count: m.versions.length })}</summary>
                  <ol>{m.versions.map(v => <li key={v.entry}>{formatDateTime(v.at)}: {v.erased ? t("compliance.erased") : v.text}</li>)}</ol>
                </details>
              )}
              {m.deletedAt && <p class="muted">{t("compliance.deleted", { when: formatDateTime(m.deletedAt), name: m.deletedBy ? userName(m.deletedBy) : "" })}</p>}
              {m.files.length > 0 && <p class="muted">{t("compliance.files", { names: m.files.map(f => f.name || t("compliance.erased")).join(", ") })}</p>}
              <p class="muted">{t("compliance.membersAtTime", { names: m.membersAtTime.map(p => p.name).join(", ") })}</p>
            </li>
          ))}
        </ol>
      )}
      {next !== null && <div><button type="button" class="secondary" disabled={busy} onClick={() => void search(true)}>{t("compliance.moreResults")}</button></div>}
      {searched && results.length > 0 && (
        <div class="row">
          <label>{t("compliance.format")}
            <select value={format} onChange={e => setFormat(e.currentTarget.value)}>
              {formats.map(f => <option key={f} value={f}>{t(`compliance.format.${f}`)}</option>)}
            </select>
          </label>
          <button type="button" class="secondary" onClick={() => void exportResults()}>{t("compliance.exportResults")}</button>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

/** The officer's own exports: progress while they are built, then a download until they expire. */
function Exports(props: { changed: number }) {
  const [exports, setExports] = useState<DiscoveryExport[]>([]);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    async function load() {
      try {
        const list = await api.exports();
        if (stopped) return;
        setExports(list);
        // Progress is polled while something is being built; nothing is polled otherwise.
        if (list.some(x => x.state === "queued" || x.state === "running")) timer.current = window.setTimeout(() => void load(), 1500);
      } catch (e) { if (!stopped) setError(failure(e)); }
    }
    void load();
    return () => { stopped = true; window.clearTimeout(timer.current); };
  }, [props.changed]);

  async function download(x: DiscoveryExport) {
    setError(null);
    try { await saveDownload(`/compliance/exports/${x.id}/download`, `parley-export-${x.id}.zip`); } catch (e) { setError(failure(e)); }
  }

  if (exports.length === 0 && !error) return null;
  return (
    <section class="card stack" aria-labelledby="exports">
      <h2 id="exports">{t("compliance.exports")}</h2>
      <ul class="hold-list">
        {exports.map(x => (
          <li key={x.id}>
            <div>
              <strong>{t(`compliance.format.${x.format}` as Key)}</strong> <span class="tag">{t(`compliance.exportState.${x.state}` as Key)}</span>
              <p class="muted">{[
                t("compliance.exportCreated", { when: formatDateTime(x.createdAt) }),
                x.itemsTotal !== null && t("compliance.exportProgress", { done: x.itemsDone, total: x.itemsTotal }),
                x.state === "ready" && t("compliance.exportExpires", { when: formatDateTime(x.expiresAt) }),
                x.error,
              ].filter(Boolean).join(" · ")}</p>
              {(x.state === "queued" || x.state === "running") && x.itemsTotal
                ? <progress max={x.itemsTotal} value={x.itemsDone} aria-label={t("compliance.exportProgress", { done: x.itemsDone, total: x.itemsTotal })} /> : null}
            </div>
            {x.state === "ready" && <button type="button" class="secondary" onClick={() => void download(x)}>{t("compliance.download")}</button>}
          </li>
        ))}
      </ul>
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function scopeOf(p: RetentionPolicy): string {
  return p.scope === "organization" ? "organization" : p.scope === "kind" ? `kinds/${p.kind}` : `conversations/${p.conversationId}`;
}

function days(value: string): number | null {
  return value.trim() === "" ? null : Number(value);
}

function Retention(props: { conversations: ComplianceConversation[]; name: (id: number) => string }) {
  const [policies, setPolicies] = useState<RetentionPolicy[]>([]);
  const [scope, setScope] = useState("organization");
  const [conversation, setConversation] = useState("");
  const [minimum, setMinimum] = useState("");
  const [maximum, setMaximum] = useState("");
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api.retentionPolicies().then(setPolicies).catch(e => setError(failure(e)));
  useEffect(() => { void load(); }, []);

  async function attempt(work: () => Promise<unknown>) {
    setError(null);
    try { await work(); await load(); } catch (e) { setError(failure(e)); }
  }
  const label = (p: RetentionPolicy) => p.scope === "organization" ? t("compliance.scopeOrganization")
    : p.scope === "kind" ? t(`compliance.kind.${p.kind}` as Key) : props.name(p.conversationId!);
  const target = scope === "conversation" ? `conversations/${conversation}` : scope;

  return (
    <section class="card stack" aria-labelledby="retention">
      <h2 id="retention">{t("compliance.retention")}</h2>
      <p class="muted">{t("compliance.retentionHelp")}</p>
      {policies.length === 0 ? <p>{t("compliance.noPolicy")}</p> : (
        <table class="compliance-table">
          <caption class="visually-hidden">{t("compliance.retention")}</caption>
          <thead><tr><th scope="col">{t("compliance.scope")}</th><th scope="col">{t("compliance.minimum")}</th>
            <th scope="col">{t("compliance.maximum")}</th><th scope="col"><span class="visually-hidden">{t("people.actions")}</span></th></tr></thead>
          <tbody>
            {policies.map(p => (
              <tr key={scopeOf(p)}>
                <td>{label(p)}</td>
                <td>{p.minimumDays === null ? "—" : plural("compliance.days", p.minimumDays)}</td>
                <td>{p.maximumDays === null ? t("compliance.forever") : plural("compliance.days", p.maximumDays)}</td>
                <td><button type="button" class="secondary" aria-label={t("compliance.removePolicyOf", { scope: label(p) })}
                  onClick={() => void attempt(() => api.removeRetentionPolicy(scopeOf(p)))}>{t("compliance.remove")}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="stack" onSubmit={e => { e.preventDefault(); void attempt(() => api.setRetentionPolicy(target, days(minimum), days(maximum))); }}>
        <h3>{t("compliance.setPolicy")}</h3>
        <label>{t("compliance.scope")}
          <select aria-label={t("compliance.scope")} value={scope} onChange={e => setScope(e.currentTarget.value)}>
            <option value="organization">{t("compliance.scopeOrganization")}</option>
            {kinds.map(k => <option key={k} value={`kinds/${k}`}>{t(`compliance.kind.${k}`)}</option>)}
            <option value="conversation">{t("compliance.scopeConversation")}</option>
          </select>
        </label>
        {scope === "conversation" && (
          <label>{t("compliance.conversation")}
            <select aria-label={t("compliance.conversation")} required value={conversation} onChange={e => setConversation(e.currentTarget.value)}>
              <option value="">{t("compliance.choose")}</option>
              {props.conversations.map(c => <option key={c.id} value={String(c.id)}>{props.name(c.id)}</option>)}
            </select>
          </label>
        )}
        <div class="row">
          <label>{t("compliance.minimumDays")}<input type="number" min={0} inputMode="numeric" value={minimum} onInput={e => setMinimum(e.currentTarget.value)} /></label>
          <label>{t("compliance.maximumDays")}<input type="number" min={1} inputMode="numeric" value={maximum} onInput={e => setMaximum(e.currentTarget.value)} /></label>
        </div>
        <div><button type="submit" class="primary">{t("compliance.savePolicy")}</button></div>
      </form>
      <div>
        <button type="button" class="secondary" onClick={() => void attempt(async () => setDryRun(await api.retentionDryRun()))}>{t("compliance.dryRun")}</button>
      </div>
      <div role="status">
        {dryRun && (
          <div class="notice">
            <p>{t("compliance.dryRunTotal", { count: dryRun.total })}</p>
            {dryRun.conversations.length > 0 && (
              <ul>{dryRun.conversations.map(c => <li key={c.conversationId}>{props.name(c.conversationId)}: {c.count}</li>)}</ul>
            )}
          </div>
        )}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function Holds(props: { conversations: ComplianceConversation[]; name: (id: number) => string; onExported: () => void }) {
  const me = session.value!.me;
  const [holds, setHolds] = useState<LegalHold[]>([]);
  const [holdName, setHoldName] = useState("");
  const [custodians, setCustodians] = useState<string[]>([]);
  const [scoped, setScoped] = useState<number[]>([]);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [words, setWords] = useState("");
  const [error, setError] = useState<string | null>(null);
  const load = () => api.legalHolds().then(setHolds).catch(e => setError(failure(e)));
  useEffect(() => { void load(); }, []);

  async function attempt(work: () => Promise<unknown>) {
    setError(null);
    try { await work(); await load(); return true; } catch (e) { setError(failure(e)); return false; }
  }
  async function create() {
    const done = await attempt(() => api.createLegalHold({
      name: holdName, custodianIds: custodians, conversationIds: scoped,
      from: from ? new Date(from).toISOString() : null, to: to ? new Date(to).toISOString() : null,
      words: words.split(",").map(w => w.trim()).filter(w => w.length > 0),
    }));
    if (done) { setHoldName(""); setCustodians([]); setScoped([]); setFrom(""); setTo(""); setWords(""); }
  }

  return (
    <section class="card stack" aria-labelledby="holds">
      <h2 id="holds">{t("compliance.holds")}</h2>
      <p class="muted">{t("compliance.holdsHelp")}</p>
      {holds.length === 0 ? <p>{t("compliance.noHold")}</p> : (
        <ul class="hold-list">
          {holds.map(h => (
            <li key={h.id}>
              <div>
                <strong>{h.name}</strong> <span class={`tag hold-${h.status}`}>{t(`compliance.status.${h.status}`)}</span>
                <p class="muted">{[
                  h.custodianIds.length > 0 && t("compliance.holdPeople", { names: h.custodianIds.map(userName).join(", ") }),
                  h.conversationIds.length > 0 && t("compliance.holdConversations", { names: h.conversationIds.map(props.name).join(", ") }),
                  h.words.length > 0 && t("compliance.holdWords", { words: h.words.join(", ") }),
                  (h.from || h.to) && t("compliance.holdRange", { from: h.from ? formatDateTime(h.from) : "…", to: h.to ? formatDateTime(h.to) : "…" }),
                  t("compliance.holdCreated", { name: userName(h.createdBy), when: formatDateTime(h.createdAt) }),
                ].filter(Boolean).join(" · ")}</p>
              </div>
              <div class="actions">
              <button type="button" class="secondary" aria-label={t("compliance.exportHold", { name: h.name })}
                onClick={() => void attempt(async () => { await api.createExport({ holdId: h.id }, "jsonl"); props.onExported(); })}>
                {t("compliance.export")}</button>
              {h.status === "active" && (
                <button type="button" class="secondary" aria-label={t("compliance.releaseHold", { name: h.name })}
                  onClick={() => { if (confirm(t("compliance.confirmRelease", { name: h.name }))) void attempt(() => api.releaseLegalHold(h.id)); }}>
                  {t("compliance.release")}</button>
              )}
              {h.status === "release-pending" && h.releaseRequestedBy !== me.id && (
                <button type="button" class="secondary" aria-label={t("compliance.approveReleaseOf", { name: h.name })}
                  onClick={() => void attempt(() => api.approveRelease(h.id))}>{t("compliance.approveRelease")}</button>
              )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <form class="stack" onSubmit={e => { e.preventDefault(); void create(); }}>
        <h3>{t("compliance.newHold")}</h3>
        <label>{t("compliance.holdName")}<input required maxLength={200} value={holdName} onInput={e => setHoldName(e.currentTarget.value)} /></label>
        <ScopeFields peopleLabel="compliance.custodians" conversationsLabel="compliance.conversations" conversations={props.conversations}
          name={props.name} people={custodians} setPeople={setCustodians} scoped={scoped} setScoped={setScoped}
          from={from} setFrom={setFrom} to={to} setTo={setTo} words={words} setWords={setWords} />
        <p class="muted">{t("compliance.holdMatch")}</p>
        <div><button type="submit" class="primary">{t("compliance.placeHold")}</button></div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function Settings() {
  const me = session.value!.me;
  const isAdmin = me.role === "admin" || me.role === "owner";
  const [needsApproval, setNeedsApproval] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { void api.complianceSettings().then(s => setNeedsApproval(s.holdReleaseNeedsApproval)).catch(e => setError(failure(e))); }, []);
  if (needsApproval === null) return error ? <p class="error" role="alert">{error}</p> : null;

  async function change(value: boolean) {
    setError(null);
    try { setNeedsApproval((await api.setComplianceSettings(value)).holdReleaseNeedsApproval); } catch (e) { setError(failure(e)); }
  }
  return (
    <section class="card stack" aria-labelledby="compliance-settings">
      <h2 id="compliance-settings">{t("compliance.settings")}</h2>
      <label class="inline check">
        <input type="checkbox" checked={needsApproval} disabled={!isAdmin} onChange={e => void change(e.currentTarget.checked)} />
        {t("compliance.needsApproval")}
      </label>
      {!isAdmin && <p class="muted">{t("compliance.settingsAdminOnly")}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
