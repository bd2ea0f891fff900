import { useEffect, useState } from "preact/hooks";
import { api, CreatedScimToken, ScimToken } from "../api";
import { formatDateTime, t } from "../i18n";
import { useAction } from "./useAction";

/**
 * Provisioning tokens for the organization's directory (Entra ID, Okta): make one, shown once with the tenant URL to
 * give the directory, and revoke it. Admins only; the server refuses anyone else as well.
 */
export function ProvisioningSettings() {
  const [tokens, setTokens] = useState<ScimToken[]>([]);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedScimToken | null>(null);
  const { error, busy, run: act } = useAction();
  const load = () => api.scimTokens().then(setTokens).catch(() => {});
  useEffect(() => { void load(); }, []);
  const run = (work: () => Promise<void>) => act(async () => { await work(); await load(); });

  const make = (e: Event) => { e.preventDefault(); void run(async () => {
    setCreated(await api.createScimToken(name.trim()));
    setName("");
  }); };

  return (
    <section class="card stack provisioning" aria-labelledby="provisioning-title">
      <h2 id="provisioning-title">{t("provisioning.title")}</h2>
      <p class="muted">{t("provisioning.intro")}</p>
      {created ? (
        <div class="stack" role="status">
          <h3>{t("provisioning.createdTitle")}</h3>
          <p>{t("provisioning.createdText")}</p>
          <dl class="two-factor-key">
            <dt>{t("provisioning.tenantUrl")}</dt><dd><code class="wrap">{created.tenantUrl}</code></dd>
            <dt>{t("provisioning.token")}</dt><dd><code class="wrap">{created.token}</code></dd>
          </dl>
          <button type="button" class="primary" onClick={() => setCreated(null)}>{t("provisioning.copied")}</button>
        </div>
      ) : (
        <form class="stack" onSubmit={make}>
          <label>{t("provisioning.name")}
            <input required maxLength={80} value={name} placeholder="Entra ID" onInput={e => setName(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy || !name.trim()}>{t("provisioning.make")}</button>
          </div>
        </form>
      )}
      {tokens.length > 0 && (
        <ul class="device-list">
          {tokens.map(token => (
            <li key={token.id}>
              <div>
                <strong>{token.name}</strong>
                <p class="muted">{token.revokedAt
                  ? t("provisioning.revokedAt", { when: formatDateTime(token.revokedAt) })
                  : t("provisioning.createdAt", { when: formatDateTime(token.createdAt) })}</p>
              </div>
              {!token.revokedAt &&
                <button type="button" class="secondary danger" disabled={busy}
                  aria-label={t("provisioning.revokeNamed", { name: token.name })}
                  onClick={() => void run(async () => { await api.revokeScimToken(token.id); })}>{t("provisioning.revoke")}</button>}
            </li>
          ))}
        </ul>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
