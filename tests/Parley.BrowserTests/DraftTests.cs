using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>A draft and the files attached to it belong to one conversation (or thread), across switches and reloads.</summary>
public sealed class DraftTests
{
    private readonly BrowserFixture _f;

    public DraftTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Theory]
    [InlineData(360)]
    [InlineData(1280)]
    public async Task A_draft_and_its_files_stay_with_their_conversation_across_switches_and_reloads(int width)
    {
        var org = await _f.App.OrganizationAsync();
        var first = await org.Owner.CreateChannelAsync("first");
        var second = await org.Owner.CreateChannelAsync("second");
        var page = await _f.PageAsync(org.Owner, $"/c/{first.Id}", viewport: new ViewportSize { Width = width, Height = 740 });
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        var files = page.GetByRole(AriaRole.List, new() { Name = "Files to send" });

        await composer.FillAsync("half a thought for first");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "plan.txt", MimeType = "text/plain", Buffer = "plan"u8.ToArray() });
        await Expect(files.Locator("progress")).ToHaveCountAsync(0);
        await Expect(files).ToContainTextAsync("plan.txt");

        await OpenAsync(page, "second");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "# second" })).ToBeVisibleAsync();
        await Expect(composer).ToHaveValueAsync("");
        await Expect(files).ToHaveCountAsync(0);
        await composer.FillAsync("for second only");
        await composer.PressAsync("Enter");
        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "for second only" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);

        await OpenAsync(page, "first");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "# first" })).ToBeVisibleAsync();
        await Expect(composer).ToHaveValueAsync("half a thought for first");
        await Expect(files).ToContainTextAsync("plan.txt");

        await page.ReloadAsync();
        await Expect(composer).ToHaveValueAsync("half a thought for first");
        await composer.PressAsync("Enter");
        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "half a thought for first" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "half a thought for first" })).ToBeVisibleAsync();
        await Expect(composer).ToHaveValueAsync("");
    }

    /// <summary>Opens a channel from the list, going back to the list first where it is not on screen (a phone).</summary>
    private static async Task OpenAsync(IPage page, string name)
    {
        var link = page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });
        if (!await link.IsVisibleAsync())
            await page.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" }).ClickAsync();
        await link.ClickAsync();
    }

    [Fact]
    public async Task A_thread_keeps_its_own_draft()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("threads");
        var root = await org.Owner.SendAsync(channel.Id, "Root of the thread");
        await org.Owner.SendAsync(channel.Id, "A reply", threadRootId: root.Id);
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });

        await composer.FillAsync("main draft");
        await page.GetByRole(AriaRole.Button, new() { Name = "1 reply" }).ClickAsync();
        var reply = page.GetByRole(AriaRole.Textbox, new() { Name = "Reply" });
        await Expect(reply).ToHaveValueAsync("");
        await reply.FillAsync("thread draft");
        await page.GetByRole(AriaRole.Complementary, new() { Name = "Thread" }).GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(composer).ToHaveValueAsync("main draft");

        await page.ReloadAsync();
        await Expect(composer).ToHaveValueAsync("main draft");
        await page.GetByRole(AriaRole.Button, new() { Name = "1 reply" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Reply" })).ToHaveValueAsync("thread draft");
    }
}
