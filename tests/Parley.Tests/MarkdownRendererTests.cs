using Parley.Server.Features.Messages;

namespace Parley.Tests;

public class MarkdownRendererTests
{
    private readonly MarkdownRenderer _renderer = new();

    [Theory]
    [InlineData("hello")]
    [InlineData("see you at 5 & bring the <notes>, ok?")]
    [InlineData("l'été, ça va — «très» bien 🎉")]
    [InlineData("first paragraph\n\nsecond paragraph")]
    [InlineData("a > b and 1 < 2 &amp; done")]
    [InlineData("x &#60;script&#62; y")]
    [InlineData("@alice can you check? thanks!")]
    [InlineData("<b>raw html stays text</b> <script>x</script>")]
    public void Plain_text_skips_the_sanitizer_and_gets_exactly_what_the_sanitizer_would_give(string source)
    {
        var markup = MarkdownRenderer.ToMarkup(source);

        Assert.True(MarkdownRenderer.IsPlainParagraphs(markup), markup);
        Assert.Equal(_renderer.Sanitize(markup).Trim(), _renderer.Render(source).Html);
    }

    [Theory]
    [InlineData("say \"hi\"")]
    [InlineData("no\u00A0break")]
    [InlineData("line one  \nline two")]
    [InlineData("**bold**")]
    [InlineData("https://example.test")]
    [InlineData("# title")]
    public void Anything_but_plain_paragraphs_goes_through_the_sanitizer(string source) =>
        Assert.False(MarkdownRenderer.IsPlainParagraphs(MarkdownRenderer.ToMarkup(source)));

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("<iframe src=\"https://evil.test\"></iframe>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("![x](javascript:alert(1))")]
    [InlineData("<svg onload=alert(1)>")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    public void No_script_survives_rendering(string source)
    {
        var html = _renderer.Render(source).Html;
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<body>{html}</body>");

        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(element.LocalName, new[] { "script", "img", "iframe", "svg", "object", "embed", "style" });
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"event handler in {html}");
                if (attribute.Name is "href" or "src")
                    Assert.Matches("^(https?:|mailto:)", attribute.Value);
            }
        }
    }

    [Fact]
    public void Markdown_becomes_html_and_links_open_safely()
    {
        var html = _renderer.Render("**bold** _it_ `code` https://example.com").Html;

        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<em>it</em>", html);
        Assert.Contains("<code>code</code>", html);
        Assert.Contains("href=\"https://example.com\"", html);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html);
    }

    [Fact]
    public void Mentions_are_found_once_and_channel_mentions_are_a_flag()
    {
        var rendered = _renderer.Render("@Bob and @bob, @carol. also @channel; mail bob@example.com");

        Assert.Equal(["bob", "carol"], rendered.MentionedHandles);
        Assert.True(rendered.MentionsChannel);
    }

    [Fact]
    public void Text_without_mentions_mentions_nobody()
    {
        var rendered = _renderer.Render("nothing to see, write to a@b.test");

        Assert.Empty(rendered.MentionedHandles);
        Assert.False(rendered.MentionsChannel);
    }
}
