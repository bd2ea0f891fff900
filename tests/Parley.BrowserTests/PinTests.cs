using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>Pinned messages: pinned from a message's actions, seen live by a colleague, listed in a panel that jumps back.</summary>
public sealed class PinTests
{
    private readonly BrowserFixture _f;

    public PinTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    public sealed record Texts(string Locale, string Pin, string PinnedByAlice, string Pinned, string Panel, string Jump, string Unpin, string Empty);

    private static readonly Texts English = new("en-US", "Pin to conversation", "Pinned by Alice", "Pinned", "Pinned messages", "Go to message",
        "Unpin", "Nothing is pinned yet.");

    private static readonly Texts French = new("fr-FR", "Épingler à la conversation", "Épinglé par Alice", "Épinglés", "Messages épinglés",
        "Aller au message", "Désépingler", "Rien n’est épinglé pour l’instant.");

    [Theory]
    [InlineData(1280, 800, "en")]
    [InlineData(360, 740, "fr")]
    public async Task A_pinned_message_is_seen_live_listed_in_the_panel_and_reached_from_it(int width, int height, string language)
    {
        var text = language == "fr" ? French : English;
        var viewport = new ViewportSize { Width = width, Height = height };
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("launch", "public", bob);
        var rules = await bob.SendAsync(channel.Id, "Launch checklist: **tests green**, docs updated, screenshots taken");
        for (var i = 1; i <= 30; i++)
            await bob.SendAsync(channel.Id, $"Chatter {i}");
        var bobPage = await _f.PageAsync(bob, $"/c/{channel.Id}", text.Locale, viewport);
        await Expect(bobPage.GetByText("Chatter 30")).ToBeVisibleAsync();
        await Pages.OnlineAsync(bobPage);
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}/m/{rules.Seq}", text.Locale, viewport, bypassCsp: true);
        var message = alice.Locator("article.message", new() { HasText = "Launch checklist" });
        await Expect(message).ToBeVisibleAsync();

        await Pages.ClickMessageActionAsync(message, text.Pin);

        await Expect(message.GetByText(text.PinnedByAlice)).ToBeVisibleAsync();
        await Expect(bobPage.Locator("article.message", new() { HasText = "Launch checklist" }).GetByText(text.PinnedByAlice)).ToBeAttachedAsync();

        // Bob, at the bottom of the conversation, opens the pins from the header and goes back to the message.
        await bobPage.GetByRole(AriaRole.Button, new() { Name = text.Pinned, Exact = true }).ClickAsync();
        var panel = bobPage.GetByRole(AriaRole.Complementary, new() { Name = text.Panel });
        await Expect(panel.GetByText("tests green")).ToBeVisibleAsync();
        await Layout.AssertNoHorizontalOverflowAsync(bobPage);
        await AccessibilityTests.AssertAccessibleAsync(alice);
        var screenshotOf = await _f.PageAsync(org.Owner, $"/c/{channel.Id}/pins", text.Locale, viewport, bypassCsp: true);
        await Expect(screenshotOf.GetByRole(AriaRole.Complementary, new() { Name = text.Panel }).GetByText("tests green")).ToBeVisibleAsync();
        await AccessibilityTests.AssertAccessibleAsync(screenshotOf);
        await screenshotOf.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"pins-{language}-{width}.png") });

        await panel.GetByRole(AriaRole.Link, new() { Name = text.Jump }).ClickAsync();
        await Expect(bobPage).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/c/{channel.Id}/m/{rules.Seq}$"));
        await Expect(bobPage.Locator(".permalink-target", new() { HasText = "Launch checklist" })).ToBeInViewportAsync();
        await Expect(panel).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Unpinning_from_the_panel_empties_it_and_Escape_closes_it()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("notes");
        var note = await org.Owner.SendAsync(channel.Id, "Door code is in the wiki");
        await (await org.Owner.PutAsync($"/api/v1/conversations/{channel.Id}/messages/{note.Id}/pin")).ShouldBe(System.Net.HttpStatusCode.OK);
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        await Expect(page.GetByText(English.PinnedByAlice)).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = English.Pinned, Exact = true }).ClickAsync();
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = English.Panel });
        await panel.GetByRole(AriaRole.Button, new() { Name = English.Unpin }).ClickAsync();

        await Expect(panel.GetByText(English.Empty)).ToBeVisibleAsync();
        await Expect(page.GetByText(English.PinnedByAlice)).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");
        await Expect(panel).ToBeHiddenAsync();
        Assert.Empty(await org.Owner.GetOkAsync<List<Parley.Server.Features.Messages.MessageDto>>($"/api/v1/conversations/{channel.Id}/pins"));
    }
}
