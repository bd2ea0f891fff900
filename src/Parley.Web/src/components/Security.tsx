import { useEffect, useState } from "preact/hooks";
import QRCode from "qrcode";
import { api, TwoFactorEnrolment, TwoFactorStatus } from "../api";
import { t } from "../i18n";
import { useAction } from "./useAction";

type Step =
  | { kind: "idle" }
  | { kind: "enrolling"; enrolment: TwoFactorEnrolment; qr: string | null }
  | { kind: "codes"; codes: string[] }
  | { kind: "proving"; purpose: "regenerate" | "disable" };

/**
 * Two-step verification in the person's settings: set up an authenticator app (QR code, key and link), confirm it with
 * a first code, see the recovery codes once, make new ones, turn it off. `onEnabled` runs once it is on.
 */
export function TwoFactorSettings(props: { onEnabled?: () => void; onDone?: () => void }) {
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [code, setCode] = useState("");
  const { error, busy, run } = useAction();
  const load = () => api.twoFactor().then(setStatus).catch(() => {});
  useEffect(() => { void load(); }, []);

  const start = () => run(async () => {
    const enrolment = await api.startTwoFactor();
    // Drawn here from the URI: the secret never goes to a third party. Without a canvas, the key and link still show.
    const qr = await QRCode.toDataURL(enrolment.otpAuthUri, { margin: 1, width: 200, errorCorrectionLevel: "M" }).catch(() => null);
    setCode("");
    setStep({ kind: "enrolling", enrolment, qr });
  });

  const confirm = (e: Event) => { e.preventDefault(); void run(async () => {
    const { recoveryCodes } = await api.confirmTwoFactor(code.trim());
    setCode("");
    setStep({ kind: "codes", codes: recoveryCodes });
    await load();
    props.onEnabled?.();
  }); };

  const prove = (purpose: "regenerate" | "disable") => (e: Event) => { e.preventDefault(); void run(async () => {
    if (purpose === "disable") {
      await api.disableTwoFactor(code.trim());
      setStep({ kind: "idle" });
    } else {
      const { recoveryCodes } = await api.regenerateRecoveryCodes(code.trim());
      setStep({ kind: "codes", codes: recoveryCodes });
    }
    setCode("");
    await load();
  }); };

  const codeField = (label: string) => (
    <label>{label}
      <input required autoFocus autocomplete="one-time-code" autocapitalize="off" spellcheck={false} maxLength={40} value={code}
        onInput={e => setCode(e.currentTarget.value)} />
    </label>
  );

  return (
    <section class="card stack two-factor" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">{t("twoFactor.title")}</h2>
      {status?.requiredByOrganization && !status.enabled && <p class="notice" role="status">{t("twoFactor.required")}</p>}
      {status && step.kind !== "codes" && <p>{status.enabled ? t("twoFactor.on") : t("twoFactor.off")}</p>}
      {status?.enabled && step.kind === "idle" && <p class="muted">{t("twoFactor.recoveryLeft", { count: status.recoveryCodesLeft })}</p>}

      {step.kind === "idle" && status && !status.enabled &&
        <button type="button" class="primary" disabled={busy} onClick={() => void start()}>{t("twoFactor.setUp")}</button>}

      {step.kind === "enrolling" && (
        <form class="stack" onSubmit={confirm}>
          <p>{t("twoFactor.scan")}</p>
          {step.qr && <img class="qr" src={step.qr} alt={t("twoFactor.qrLabel")} width={200} height={200} />}
          <dl class="two-factor-key">
            <dt>{t("twoFactor.key")}</dt><dd><code>{step.enrolment.secret.replace(/(.{4})/g, "$1 ").trim()}</code></dd>
            <dt>{t("twoFactor.uri")}</dt><dd><code class="wrap">{step.enrolment.otpAuthUri}</code></dd>
          </dl>
          <p>{t("twoFactor.confirmText")}</p>
          <label>{t("twoFactor.code")}
            <input required inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} value={code}
              onInput={e => setCode(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>{t("twoFactor.confirm")}</button>
            <button type="button" class="secondary" onClick={() => setStep({ kind: "idle" })}>{t("common.cancel")}</button>
          </div>
        </form>
      )}

      {step.kind === "codes" && (
        <div class="stack">
          <h3>{t("twoFactor.codesTitle")}</h3>
          <p>{t("twoFactor.codesText")}</p>
          <ul class="recovery-codes">{step.codes.map(c => <li key={c}><code>{c}</code></li>)}</ul>
          <button type="button" class="primary" onClick={() => { setStep({ kind: "idle" }); props.onDone?.(); }}>{t("twoFactor.codesSaved")}</button>
        </div>
      )}

      {step.kind === "idle" && status?.enabled && (
        <div class="actions">
          <button type="button" class="secondary" onClick={() => { setCode(""); setStep({ kind: "proving", purpose: "regenerate" }); }}>
            {t("twoFactor.regenerate")}</button>
          <button type="button" class="secondary danger" onClick={() => { setCode(""); setStep({ kind: "proving", purpose: "disable" }); }}>
            {t("twoFactor.disable")}</button>
        </div>
      )}

      {step.kind === "proving" && (
        <form class="stack" onSubmit={prove(step.purpose)}>
          <p>{step.purpose === "regenerate" ? t("twoFactor.regenerateText") : ""} {t("twoFactor.proveText")}</p>
          {codeField(t("twoFactor.code"))}
          <div class="actions">
            <button type="submit" class={step.purpose === "disable" ? "secondary danger" : "primary"} disabled={busy}>
              {step.purpose === "disable" ? t("twoFactor.disable") : t("twoFactor.regenerate")}</button>
            <button type="button" class="secondary" onClick={() => setStep({ kind: "idle" })}>{t("common.cancel")}</button>
          </div>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
