using System.Text.Json;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>A conversation opens where the reader left it, and only what was on screen counts as read.</summary>
public sealed class ReadingTests
{
    private readonly BrowserFixture _f;

    public ReadingTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    private static long SeqOf(IRequest request) => JsonDocument.Parse(request.PostData!).RootElement.GetProperty("seq").GetInt64();

    /// <summary>With 70 unread, the first of them is older than the newest page (50): the list pages back to it first.</summary>
    [Theory]
    [InlineData(360, 31)]
    [InlineData(1280, 70)]
    public async Task A_channel_opens_at_the_first_unread_and_is_read_only_once_its_end_is_shown(int width, int count)
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("busy", "public", bob);
        await org.Owner.SendAsync(channel.Id, "Already read");
        for (var i = 1; i <= count; i++)
            await bob.SendAsync(channel.Id, $"Unread number {i}\n\nwith a second paragraph");
        var page = await _f.PageAsync(org.Owner, "/", viewport: new ViewportSize { Width = width, Height = 740 });
        var reads = new List<long>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith($"/conversations/{channel.Id}/read"))
                lock (reads) reads.Add(SeqOf(request));
        };
        var link = page.GetByRole(AriaRole.Link, new() { Name = "busy" });
        await Expect(link.GetByLabel($"{count} unread")).ToBeVisibleAsync();

        await link.ClickAsync();
        var line = page.GetByRole(AriaRole.Separator, new() { Name = "New messages" });
        await Expect(line).ToBeInViewportAsync();
        await Expect(page.Locator("article.message", new() { HasTextRegex = new System.Text.RegularExpressions.Regex(@"Unread number 1\b") })).ToBeInViewportAsync();
        await Expect(page.Locator("article.message", new() { HasText = $"Unread number {count}" })).Not.ToBeInViewportAsync();

        var log = page.GetByRole(AriaRole.Log, new() { Name = "Messages" });
        var readAll = page.WaitForResponseAsync(r => r.Url.EndsWith($"/conversations/{channel.Id}/read") && SeqOf(r.Request) == count + 1);
        await log.FocusAsync();
        await log.PressAsync("End");
        await Expect(page.Locator("article.message", new() { HasText = $"Unread number {count}" })).ToBeInViewportAsync();
        await readAll;
        lock (reads)
        {
            Assert.All(reads, seq => Assert.True(seq <= count + 1));
            Assert.True(reads[0] < count + 1, $"the first read mark ({reads[0]}) covered messages that were never shown");
        }
        Assert.Equal(0, (await org.Owner.ConversationAsync(channel.Id)).Unread);
    }

    [Fact]
    public async Task The_newest_message_stays_in_view_while_an_image_above_it_loads()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("pictures", "public", bob);
        for (var i = 0; i < 12; i++)
            await bob.SendAsync(channel.Id, $"Filler {i}");
        var png = await File.ReadAllBytesAsync(Path.Combine(Pages.WebRoot, "public/icons/icon-512.png"), TestContext.Current.CancellationToken);
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(png) { Headers = { ContentType = new("image/png") } }, "file", "big.png");
        var uploaded = await (await bob.Http.PostAsync($"/api/v1/conversations/{channel.Id}/files", form, TestContext.Current.CancellationToken))
            .ReadAsync<JsonElement>(System.Net.HttpStatusCode.Created);
        var fileId = uploaded.GetProperty("id").GetString()!;
        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/messages",
            new { content = "Here is the picture", clientMessageId = Guid.NewGuid(), attachmentIds = new[] { fileId } })).ShouldBe(System.Net.HttpStatusCode.Created);
        var newestWords = await bob.SendAsync(channel.Id, "The newest words");
        await (await org.Owner.PostAsync($"/api/v1/conversations/{channel.Id}/read", new { seq = newestWords.Seq })).ShouldBe(System.Net.HttpStatusCode.OK);

        var page = await _f.PageAsync(org.Owner, "/");
        var release = new TaskCompletionSource();
        // The handler returns at once and lets the request go later: a handler that waits would hold up the page's other events.
        await page.RouteAsync($"**/api/v1/files/{fileId}", route => { _ = release.Task.ContinueWith(_ => route.ContinueAsync()); });
        await page.GetByRole(AriaRole.Link, new() { Name = "pictures" }).ClickAsync();
        var newest = page.Locator("article.message", new() { HasText = "The newest words" });
        await Expect(newest).ToBeInViewportAsync();

        release.SetResult();
        var image = page.GetByRole(AriaRole.Img, new() { Name = "big.png" });
        await Expect(image).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");
        await Expect(newest).ToBeInViewportAsync(new() { Ratio = 1 });
    }

    [Fact]
    public async Task Ones_own_message_is_brought_into_view_when_sent()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("long");
        for (var i = 0; i < 40; i++)
            await org.Owner.SendAsync(channel.Id, $"Earlier message {i}");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var log = page.GetByRole(AriaRole.Log, new() { Name = "Messages" });
        await Expect(page.Locator("article.message", new() { HasText = "Earlier message 39" })).ToBeInViewportAsync();
        await log.FocusAsync();
        await log.PressAsync("Home");
        await Expect(page.Locator("article.message", new() { HasText = "Earlier message 39" })).Not.ToBeInViewportAsync();
        // The key scrolls smoothly: the test writes once the list has come to rest at its top, as a person would.
        await log.EvaluateAsync("el => new Promise(done => { const check = () => el.scrollTop === 0 ? done() : requestAnimationFrame(check); check(); })");

        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await composer.FillAsync("My new words");
        await composer.PressAsync("Enter");

        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "My new words" })).ToBeInViewportAsync();
    }

    [Fact]
    public async Task A_thread_reply_that_arrives_while_the_channel_is_open_is_marked_read()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("replies", "public", bob);
        var root = await bob.SendAsync(channel.Id, "Question for everyone");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        await Pages.OnlineAsync(page);
        await Expect(page.Locator("article.message", new() { HasText = "Question for everyone" })).ToBeInViewportAsync();

        var read = page.WaitForResponseAsync(r => r.Url.EndsWith($"/conversations/{channel.Id}/read") && SeqOf(r.Request) == 2);
        await bob.SendAsync(channel.Id, "An answer in the thread", threadRootId: root.Id);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "1 reply" })).ToBeVisibleAsync();
        await read;
        Assert.Equal(0, (await org.Owner.ConversationAsync(channel.Id)).Unread);
    }
}
