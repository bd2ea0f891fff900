import { useState } from "preact/hooks";
import { t } from "../i18n";
import { AuthCard, signInAndOpen } from "./AuthCard";
import { LanguagePicker } from "./Settings";

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  return (
    <AuthCard title={t("signIn.title")} submit={t("signIn.submit")} busyText={t("signIn.busy")}
      action={() => signInAndOpen(email, password)}
      footer={<><p class="hint">{t("signIn.noAccount")}</p><LanguagePicker /></>}>
      <label>{t("signIn.email")}
        <input type="email" autocomplete="username" required value={email} onInput={e => setEmail(e.currentTarget.value)} />
      </label>
      <label>{t("signIn.password")}
        <input type="password" autocomplete="current-password" required value={password} onInput={e => setPassword(e.currentTarget.value)} />
      </label>
    </AuthCard>
  );
}
