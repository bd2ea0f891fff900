import { t } from "../i18n";
import { goBack } from "../state";
import { Icon } from "./Icon";

/** A page's title, with the way back to the conversation list where the list is not beside it (a phone). */
export function PageHeader({ title }: { title: string }) {
  return (
    <header class="page-header">
      <button type="button" class="icon-button back" aria-label={t("conversation.back")} onClick={() => goBack("/")}><Icon name="back" /></button>
      <h1>{title}</h1>
    </header>
  );
}
