import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { t } from "../i18n";
import { problemText } from "./AuthCard";

/** One request at a time from a form: `busy` while it runs, and the server's problem in the person's words if it fails. */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e instanceof ApiError ? problemText(e) : t("error.generic"));
    } finally {
      setBusy(false);
    }
  }

  return { error, busy, run };
}
