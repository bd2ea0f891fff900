using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;

namespace Parley.Server.Features.Messages;

/// <summary>A message's Markdown source, its safe HTML, and who it mentions.</summary>
public sealed record RenderedMarkdown(string Source, string Html, IReadOnlyList<string> MentionedHandles, bool MentionsChannel);

/// <summary>
/// Markdown to HTML with two locks: Markdig never passes raw HTML through, and HtmlSanitizer then removes anything
/// outside a small allow-list (no script, no event handlers, no style, links only to http, https and mailto).
/// <para>
/// Work is bounded for hostile input. Markdown deeper than Markdig's nesting limit (128 levels of quotes, lists, brackets or
/// emphasis), and text longer than <see cref="MaxMarkdownLength"/>, where some inline constructs cost time quadratic in
/// their length, are shown as plain text: escaped, with their line breaks. Mentions are read with a linear pattern,
/// and at most <see cref="MaxMentions"/> different people are looked up.
/// </para>
/// </summary>
public sealed partial class MarkdownRenderer
{
    /// <summary>
    /// The rendering rule each message entry names (docs/record-format.md): the verifier re-renders a message's text only with
    /// the rule it was written under. Change it with any change to the pipeline, the sanitizer's allow-list or the packages.
    /// </summary>
    public const string Version = "parley-markdown/1 markdig/1.6.0 htmlsanitizer/10.0.1120";

    /// <summary>Longest text rendered as Markdown; longer text is shown as plain text.</summary>
    public const int MaxMarkdownLength = 10_000;

    /// <summary>Most different @handles of one message that notify someone; the rest stay text.</summary>
    public const int MaxMentions = 100;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseTaskLists()
        .Build();

    private readonly HtmlSanitizer _sanitizer = CreateSanitizer();

    public RenderedMarkdown Render(string source)
    {
        var html = ToHtml(source);
        var handles = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var channel = false;
        foreach (Match m in MentionPattern().Matches(source))
        {
            var handle = m.Groups[1].Value.ToLowerInvariant().TrimEnd('.');
            if (handle is "channel" or "all" or "here")
                channel = true;
            else if (handles.Count < MaxMentions && seen.Add(handle))
                handles.Add(handle);
        }
        return new RenderedMarkdown(source, html, handles, channel);
    }

    private string ToHtml(string source)
    {
        if (source.Length > MaxMarkdownLength)
            return PlainText(source);
        string markup;
        try
        {
            markup = ToMarkup(source);
        }
        catch (ArgumentException)
        {
            // Markdig's only signal that the input nests deeper than MaximumNestingDepth: show it as the text it is.
            return PlainText(source);
        }
        return (IsPlainParagraphs(markup) ? markup : Sanitize(markup)).Trim();
    }

    internal static string ToMarkup(string source) => Markdown.ToHtml(source, Pipeline);

    /// <summary>The text itself, escaped: paragraphs at blank lines, line breaks kept. Linear, and safe without sanitizing.</summary>
    internal static string PlainText(string source)
    {
        var html = new System.Text.StringBuilder(source.Length + 16);
        foreach (var paragraph in ParagraphBreak().Split(source.Replace("\r\n", "\n", StringComparison.Ordinal).Trim()))
        {
            if (paragraph.Length == 0)
                continue;
            if (html.Length > 0)
                html.Append('\n');
            html.Append("<p>").Append(System.Net.WebUtility.HtmlEncode(paragraph).Replace("\n", "<br>\n", StringComparison.Ordinal)).Append("</p>");
        }
        return html.ToString();
    }

    internal string Sanitize(string markup) => _sanitizer.Sanitize(markup);

    /// <summary>
    /// Most messages are plain sentences: Markdig turns them into paragraphs of escaped text, which the sanitizer would
    /// give back unchanged (a test compares the two), so they skip it. Only <c>&lt;p&gt;</c> tags qualify, and no text
    /// that the sanitizer writes differently (a quote Markdig escapes, a no-break space it does not).
    /// </summary>
    internal static bool IsPlainParagraphs(string markup)
    {
        if (markup.Contains('\u00A0') || markup.Contains("&quot;", StringComparison.Ordinal))
            return false;
        for (var i = markup.IndexOf('<'); i >= 0; i = markup.IndexOf('<', i + 1))
            if (!markup.AsSpan(i).StartsWith("<p>") && !markup.AsSpan(i).StartsWith("</p>"))
                return false;
        return true;
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "strong", "em", "del", "ins", "mark", "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li",
                "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "input",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "type", "checked", "disabled", "class", "start" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
            AllowedCssProperties = new HashSet<string>(),
        };
        var sanitizer = new HtmlSanitizer(options);
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Html.Dom.IHtmlAnchorElement a)
            {
                a.SetAttribute("rel", "noopener noreferrer nofollow");
                a.SetAttribute("target", "_blank");
            }
        };
        return sanitizer;
    }

    [GeneratedRegex(@"\n[ \t]*\n\s*", RegexOptions.CultureInvariant)]
    private static partial Regex ParagraphBreak();

    // @handle at a word start: letters, digits, dot, dash, underscore (User.HandleFrom makes the same alphabet).
    [GeneratedRegex(@"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]{0,31})", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();
}
