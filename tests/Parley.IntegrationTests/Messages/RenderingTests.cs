using AngleSharp.Html.Parser;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class RenderingTests(ParleyApp app)
{
    private static readonly string[] ActiveTags =
        ["script", "img", "iframe", "frame", "object", "embed", "style", "link", "meta", "base", "form", "svg", "math", "video", "audio", "source"];

    public static TheoryData<string> HostilePayloads =>
    [
        "<script>alert('x')</script>",
        "Look <img src=x onerror=alert(1)> here",
        "[click me](javascript:alert(1))",
        "[click me](JaVaScRiPt:alert(1))",
        "<javascript:alert(1)>",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<iframe src=\"https://evil.test\"></iframe>",
        "<a href=\"https://evil.test\" onclick=\"steal()\">raw link</a>",
        "<div style=\"position:fixed\">raw html</div>",
        "![pixel](https://evil.test/track.png)",
        "![x](x\" onerror=\"alert(1))",
        "<svg onload=alert(1)>",
        "**bold** <scr<script>ipt>alert(1)</script>",
    ];

    [Theory]
    [MemberData(nameof(HostilePayloads))]
    public async Task Hostile_markup_never_reaches_html_and_the_raw_text_is_kept(string payload)
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var sent = await alice.SendAsync(channel.Id, payload);

        var atBob = await bobLive.NextAsync<MessageDto>(Created);
        var stored = (await bob.PageAsync(channel.Id)).Messages.Single();
        Assert.Equal(payload, sent.Content);
        Assert.Equal(payload, stored.Content);
        Assert.Equal(sent.Html, atBob.Html);
        Assert.Equal(sent.Html, stored.Html);
        AssertInert(sent.Html!);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Raw_html_is_shown_as_text_and_markdown_still_renders()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var sent = await alice.SendAsync(channel.Id, "**Deal** <b>closed</b> at [our site](https://example.com)");

        var html = (await bobLive.NextAsync<MessageDto>(Created)).Html!;
        var body = new HtmlParser().ParseDocument(html).Body!;
        Assert.Equal(html, sent.Html);
        Assert.Equal("Deal", body.QuerySelector("strong")?.TextContent);
        Assert.Null(body.QuerySelector("b"));
        Assert.Contains("<b>closed</b>", body.TextContent);
        var link = body.QuerySelector("a");
        Assert.Equal("https://example.com", link?.GetAttribute("href"));
        Assert.Contains("noopener", link?.GetAttribute("rel"));
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task An_edit_is_sanitized_like_a_send()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var sent = await alice.SendAsync(channel.Id, "harmless");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var edited = await alice.EditAsync(channel.Id, sent.Id, "<img src=x onerror=alert(1)> [x](javascript:alert(1))");

        Assert.Equal(edited.Html, (await bobLive.NextAsync<MessageDto>(Edited)).Html);
        Assert.Equal("<img src=x onerror=alert(1)> [x](javascript:alert(1))", edited.Content);
        AssertInert(edited.Html!);
        await malloryLive.AssertNoneAsync<MessageDto>(Edited);
    }

    private static void AssertInert(string html)
    {
        var body = new HtmlParser().ParseDocument($"<!doctype html><html><body>{html}</body></html>").Body!;
        foreach (var element in body.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(element.LocalName, ActiveTags);
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"event handler in {html}");
                Assert.NotEqual("style", attribute.Name);
                Assert.NotEqual("src", attribute.Name);
                if (attribute.Name == "href")
                    Assert.True(Uri.TryCreate(attribute.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "mailto",
                        $"unsafe link {attribute.Value} in {html}");
            }
        }
    }
}

public sealed class SqliteRenderingTests(SqliteApp app) : RenderingTests(app);

public sealed class PostgresRenderingTests : RenderingTests
{
    public PostgresRenderingTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
