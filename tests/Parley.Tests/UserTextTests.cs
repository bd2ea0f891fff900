using Parley.Server.Features.Messages;
using Parley.Server.Platform;

namespace Parley.Tests;

public class UserTextTests
{
    [Theory]
    [InlineData("a\u0000b", "a NUL character")]
    [InlineData("a\u0007b", "a control character")]
    [InlineData("a\u0085b", "a control character")]
    [InlineData("a\uFFFFb", "a noncharacter")]
    [InlineData("\uFDD0", "a noncharacter")]
    [InlineData("a\U0001FFFE", "a noncharacter")]
    public void Refuses_nul_and_controls(string text, string what) =>
        Assert.Equal(what, UserText.Refused(text));

    [Fact]
    public void Refuses_lone_surrogates_but_not_pairs()
    {
        foreach (var text in new[] { "a\uD800b", "\uDC00", "a\uD83D", "\uDE00\uD83D" })
            Assert.Equal("a lone surrogate", UserText.Refused(text));
        Assert.Null(UserText.Refused("\uD83D\uDE00"));
    }

    [Theory]
    [InlineData("line one\nline two\r\n\tindented")]
    [InlineData("👩\u200D💻 \u202Emixed\u202C")]
    [InlineData("")]
    public void Accepts_tabs_line_breaks_and_format_characters_in_text(string text) =>
        Assert.Null(UserText.Refused(text));

    [Fact]
    public void Accept_returns_NFC_unless_verbatim()
    {
        Assert.Equal("caf\u00E9", UserText.Accept("name", "cafe\u0301"));
        Assert.Equal("cafe\u0301", UserText.Accept("password", "cafe\u0301", normalize: false));
        var refused = Assert.Throws<DomainException>(() => UserText.Accept("content", "a\0"));
        Assert.Equal(("text-invalid", 400, "content"), (refused.Code, refused.Status, refused.Field));
    }

    [Theory]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("\u2066ad\u200Bmin\u2069", "admin")]
    [InlineData("one\u2028two\u2029", "onetwo")]
    [InlineData("soft\u00ADhyphen\uFEFF", "softhyphen")]
    [InlineData("👩\u200D💻", "👩💻")]
    [InlineData("flag 🏴\U000E0067\U000E0062\U000E007F", "flag 🏴")]
    [InlineData("cafe\u0301", "caf\u00E9")]
    [InlineData("file\uFFFF\uFFFE.txt", "file.txt")]
    public void Names_lose_format_characters_and_separators_and_are_NFC(string raw, string shown) =>
        Assert.Equal(shown, UserText.Name(raw));
}

public class HostileMarkdownTests
{
    private readonly MarkdownRenderer _renderer = new();

    [Theory]
    [InlineData(128, ">")]
    [InlineData(64, "- ")]
    [InlineData(3000, "[")]
    [InlineData(200, "> 1. ")]
    public void Markdown_nested_deeper_than_the_limit_is_shown_as_escaped_text(int times, string unit)
    {
        var source = string.Concat(Enumerable.Repeat(unit, times)) + " <b>x</b>";

        var html = _renderer.Render(source).Html;

        Assert.StartsWith("<p>", html);
        Assert.Contains("&lt;b&gt;x&lt;/b&gt;", html);
    }

    [Fact]
    public void Text_longer_than_the_markdown_limit_is_shown_as_text_with_its_paragraphs_and_line_breaks()
    {
        var source = "**not bold**\n<script>x</script>\n\n\n" + new string('a', MarkdownRenderer.MaxMarkdownLength);

        Assert.Equal($"<p>**not bold**<br>\n&lt;script&gt;x&lt;/script&gt;</p>\n<p>{new string('a', MarkdownRenderer.MaxMarkdownLength)}</p>",
            _renderer.Render(source).Html);
    }

    [Fact]
    public void At_most_a_bounded_number_of_different_people_are_mentioned()
    {
        var source = string.Join(' ', Enumerable.Range(0, 1000).Select(i => $"@user{i} @user{i}")) + " @channel";

        var rendered = _renderer.Render(source);

        Assert.Equal(MarkdownRenderer.MaxMentions, rendered.MentionedHandles.Count);
        Assert.Equal(rendered.MentionedHandles.Distinct().Count(), rendered.MentionedHandles.Count);
        Assert.True(rendered.MentionsChannel);
    }
}
