using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

public sealed class AppShellTests
{
    private readonly BrowserFixture _f;

    public AppShellTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task The_language_follows_the_browser_and_can_be_switched_in_settings()
    {
        var org = await _f.App.OrganizationAsync();
        var french = await _f.PageAsync(null, "/", locale: "fr-FR");
        await Expect(french.GetByRole(AriaRole.Heading, new() { Name = "Se connecter à Parley" })).ToBeVisibleAsync();
        Assert.Equal("fr", await french.EvaluateAsync<string>("() => document.documentElement.lang"));

        var page = await _f.PageAsync(org.Owner, "/settings");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Settings", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Language").SelectOptionAsync("fr");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Paramètres", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync("Canaux");
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Paramètres", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Dates_follow_the_locale()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("dates");
        await org.Owner.SendAsync(channel.Id, "hello");
        var english = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var french = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", locale: "fr-FR");

        await Expect(english.GetByRole(AriaRole.Separator)).ToHaveTextAsync("Today");
        await Expect(french.GetByRole(AriaRole.Separator)).ToHaveTextAsync("Aujourd’hui");
        var englishTime = await english.Locator("article.message time").InnerTextAsync();
        var frenchTime = await french.Locator("article.message time").InnerTextAsync();
        Assert.Matches("(AM|PM)$", englishTime);
        Assert.Matches("^\\d{1,2}:\\d{2}$", frenchTime);                    // 24-hour clock, "9:05" before ten
    }

    [Fact]
    public async Task On_a_phone_the_list_and_the_conversation_take_the_screen_in_turn()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("mobile");
        var page = await _f.PageAsync(org.Owner, "/", viewport: new ViewportSize { Width = 360, Height = 740 });

        await page.GetByRole(AriaRole.Link, new() { Name = "mobile" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Navigation)).ToBeHiddenAsync();
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await composer.FillAsync("from my phone");
        await composer.PressAsync("Enter");
        await Expect(page.Locator("article.message", new() { HasText = "from my phone" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "no horizontal scrolling");

        await page.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Navigation)).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "mobile" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Unread_and_mention_badges_and_the_unread_count_in_the_title_appear_and_clear_when_read()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("news", "public", bob);
        var page = await _f.PageAsync(bob, "/");
        await Pages.OnlineAsync(page);

        await org.Owner.SendAsync(channel.Id, "plain news");
        await org.Owner.SendAsync(channel.Id, $"@{bob.Handle} please look");
        var link = page.GetByRole(AriaRole.Link, new() { Name = "news" });
        await Expect(link.Locator(".badge.mention")).ToHaveTextAsync("@1");
        await Expect(link.Locator(".badge:not(.mention)")).ToHaveTextAsync("2");
        await Expect(page).ToHaveTitleAsync("(2) Parley");

        await link.ClickAsync();
        await Expect(page.GetByText("please look")).ToBeVisibleAsync();
        await Expect(link.Locator(".badge")).ToHaveCountAsync(0);
        await Expect(page).ToHaveTitleAsync("Parley");
    }

    [Fact]
    public async Task The_app_is_installable_and_works_offline_from_its_shell()
    {
        var page = await _f.PageAsync(null);
        var manifest = JsonDocument.Parse(await page.EvaluateAsync<string>("() => fetch('/manifest.webmanifest').then(r => r.text())")).RootElement;
        Assert.Equal("standalone", manifest.GetProperty("display").GetString());
        Assert.Contains(manifest.GetProperty("icons").EnumerateArray(), i => i.GetProperty("sizes").GetString() == "512x512");
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true)");
        await page.EvaluateAsync("() => navigator.serviceWorker.ready");
        await page.ReloadAsync();                                       // now controlled by the service worker

        await page.Context.SetOfflineAsync(true);
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("async () => !!(await caches.match('/offline.html'))"), "the offline page is cached for when no shell is");
    }

    [Fact]
    public async Task Older_history_loads_as_you_scroll_up()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("archive-room");
        for (var i = 1; i <= 120; i++)
            await org.Owner.SendAsync(channel.Id, $"note number {i}");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var list = page.GetByRole(AriaRole.Log, new() { Name = "Messages" });
        await Expect(list.GetByText("note number 120", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(list.GetByText("note number 1", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeInViewportAsync();
        Assert.True(await list.EvaluateAsync<bool>("el => el.scrollHeight > el.clientHeight"), "the list scrolls within the screen");

        // Each scroll to the top brings one more page, and no more than that: the list never loads what was not asked for.
        var element = await list.ElementHandleAsync();
        var articles = list.Locator("article.message");
        for (var shown = await articles.CountAsync(); shown < 120; shown = await articles.CountAsync())
        {
            await list.EvaluateAsync("el => el.scrollTop = 0");
            await page.WaitForFunctionAsync("([el, n]) => el.querySelectorAll('article.message').length > n", new object[] { element, shown });
        }

        await Expect(list.GetByText("note number 1", new() { Exact = true })).ToHaveCountAsync(1);
        await Expect(list.GetByText("This is the start of the conversation.")).ToBeVisibleAsync();
        Assert.Equal(120, await list.Locator("article.message").CountAsync());
    }
}
