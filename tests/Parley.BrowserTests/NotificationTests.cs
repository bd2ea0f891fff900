using System.Text.Json;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// Notifications while the app is open in the background: the person turns them on in Settings (the browser grants the
/// permission), the page goes to the background, and a mention shows a notification through the Notification API, which
/// an init script records as the page constructs it. A muted conversation shows neither a notification nor a count.
/// </summary>
public sealed class NotificationTests
{
    private readonly BrowserFixture _f;

    public NotificationTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    /// <summary>
    /// Lets the test put the page in the background (<c>window.__hidden</c>) and records each notification the page makes.
    /// </summary>
    private const string RecordNotifications = """
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__hidden === true });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.__hidden === true ? 'hidden' : 'visible') });
        window.__notifications = [];
        const Real = window.Notification;
        function Recorded(title, options) {
          window.__notifications.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
          return new Real(title, options);
        }
        Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
        Recorded.requestPermission = (...args) => Real.requestPermission(...args);
        window.Notification = Recorded;
        """;

    public sealed record Texts(string Locale, string Enable, string Granted, string Level, string Muted, string Title);

    private static readonly Texts English = new("en-US", "Notify me on this device", "Your browser allows notifications from Parley.",
        "Notifications", "Muted", "Alice in ops");

    private static readonly Texts French = new("fr-FR", "Me prévenir sur cet appareil", "Votre navigateur autorise les notifications de Parley.",
        "Notifications", "Sourdine", "Alice dans ops");

    private sealed record Shown(string Title, string Body, string Tag);

    [Theory]
    [InlineData(1280, 800, "en")]
    [InlineData(360, 740, "fr")]
    public async Task A_mention_while_the_page_is_hidden_shows_a_notification_and_a_muted_channel_stays_quiet(int width, int height, string language)
    {
        var text = language == "fr" ? French : English;
        var viewport = new ViewportSize { Width = width, Height = height };
        var org = await _f.App.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var launch = await alice.CreateChannelAsync("launch", "private", bob);
        var ops = await alice.CreateChannelAsync("ops", "private", bob);
        var origin = _f.App.BaseAddress.GetLeftPart(UriPartial.Authority);

        var page = await _f.PageAsync(bob, "/settings", text.Locale, viewport, beforeLoad: async p =>
        {
            await p.Context.GrantPermissionsAsync(["notifications"], new() { Origin = origin });
            await p.Context.AddInitScriptAsync(RecordNotifications);
        });
        var toggle = page.GetByRole(AriaRole.Checkbox, new() { Name = text.Enable });
        await toggle.CheckAsync();
        await Expect(toggle).ToBeCheckedAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = text.Granted })).ToBeVisibleAsync();
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"notifications-settings-{language}-{width}.png") });

        // Mute #launch from its header.
        await page.GotoAsync($"{origin}/c/{launch.Id}");
        var level = page.GetByRole(AriaRole.Combobox, new() { Name = text.Level });
        await Expect(level).ToBeEnabledAsync();
        var saved = await page.RunAndWaitForResponseAsync(() => level.SelectOptionAsync("muted"),
            r => r.Url.EndsWith($"/conversations/{launch.Id}/notifications") && r.Request.Method == "PUT");
        Assert.Equal(200, saved.Status);
        await Expect(level).ToHaveValueAsync("muted");
        await Layout.AssertNoHorizontalOverflowAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "launch" })).ToBeInViewportAsync();
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"notifications-menu-{language}-{width}.png") });

        await page.GotoAsync($"{origin}/");
        var mutedLink = page.Locator("a.conversation-link.silenced").Filter(new() { HasText = "launch" });
        await Expect(mutedLink.GetByRole(AriaRole.Img, new() { Name = text.Muted })).ToBeVisibleAsync();
        await Pages.OnlineAsync(page);
        await page.EvaluateAsync("() => { window.__hidden = true; }");

        await alice.SendAsync(launch.Id, $"@{bob.Handle} muted: no notification, no count");
        await alice.SendAsync(launch.Id, "Another one in the muted channel");
        await alice.SendAsync(ops.Id, $"@{bob.Handle} the release is at   10");
        await page.WaitForFunctionAsync("() => window.__notifications.length > 0");
        // Live events arrive in order: the muted channel's came first and made no notification.
        var shown = JsonSerializer.Deserialize<Shown[]>(await page.EvaluateAsync<string>("() => JSON.stringify(window.__notifications)"),
            JsonSerializerOptions.Web)!;
        var only = Assert.Single(shown);
        Assert.Equal(text.Title, only.Title);
        Assert.Equal($"@{bob.Handle} the release is at 10", only.Body);
        Assert.StartsWith($"c{ops.Id}-", only.Tag);

        await Expect(page).ToHaveTitleAsync("(1) Parley");                    // #ops' mention; #launch is muted
        await Expect(mutedLink.Locator(".badge")).ToHaveCountAsync(0);
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"notifications-muted-{language}-{width}.png") });
    }
}
