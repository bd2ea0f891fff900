import { ComponentChildren } from "preact";
import { t } from "../i18n";
import { Dialog } from "./Dialogs";

/** What the server's Markdown renderer (Features/Messages/MarkdownRenderer.cs) makes of what people type. */
function rows(): { typed: string; shown: ComponentChildren }[] {
  const w = (key: "bold" | "italic" | "struck" | "marked" | "inserted" | "quote" | "item" | "todo" | "done" | "title" | "text") =>
    t(`format.word.${key}`);
  return [
    { typed: `**${w("bold")}**`, shown: <strong>{w("bold")}</strong> },
    { typed: `_${w("italic")}_  *${w("italic")}*`, shown: <em>{w("italic")}</em> },
    { typed: `~~${w("struck")}~~`, shown: <del>{w("struck")}</del> },
    { typed: `==${w("marked")}==`, shown: <mark>{w("marked")}</mark> },
    { typed: `++${w("inserted")}++`, shown: <ins>{w("inserted")}</ins> },
    { typed: "H~2~O  x^2^", shown: <>H<sub>2</sub>O x<sup>2</sup></> },
    { typed: "`code`", shown: <code>code</code> },
    { typed: "```\ncode\n```", shown: <pre><code>code</code></pre> },
    { typed: `> ${w("quote")}`, shown: <blockquote>{w("quote")}</blockquote> },
    { typed: `- ${w("item")}\n1. ${w("item")}`, shown: <><ul><li>{w("item")}</li></ul><ol><li>{w("item")}</li></ol></> },
    {
      typed: `- [ ] ${w("todo")}\n- [x] ${w("done")}`,
      shown: <ul class="task-list"><li><input type="checkbox" disabled aria-label={w("todo")} /> {w("todo")}</li>
        <li><input type="checkbox" checked disabled aria-label={w("done")} /> {w("done")}</li></ul>,
    },
    { typed: `# ${w("title")}`, shown: <strong class="help-title">{w("title")}</strong> },
    { typed: `[${w("text")}](https://example.com)`, shown: <span class="help-link">{w("text")}</span> },
    { typed: "| a | b |\n|---|---|\n| 1 | 2 |", shown: <table class="help-table"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table> },
    { typed: "---", shown: <hr /> },
  ];
}

export function FormattingHelp({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title={t("format.title")} onClose={onClose}>
      {/* It scrolls on a small screen: focusable, so the keyboard scrolls it too. */}
      <div class="formatting-help" tabIndex={0} role="region" aria-label={t("format.title")}>
        <table>
          <thead><tr><th scope="col">{t("format.typed")}</th><th scope="col">{t("format.shown")}</th></tr></thead>
          <tbody>
            {rows().map(r => <tr key={r.typed}><td><code class="pre">{r.typed}</code></td><td class="content">{r.shown}</td></tr>)}
          </tbody>
        </table>
        <ul class="hint">
          <li>{t("format.links")}</li>
          <li>{t("format.mentions")}</li>
          <li>{t("format.keys")}</li>
          <li>{t("format.noHtml")}</li>
        </ul>
      </div>
    </Dialog>
  );
}
