using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>What is on screen on a phone (360 px) and a desktop: nothing covers the header, and every page has a way back.</summary>
public sealed class LayoutTests
{
    private static readonly ViewportSize Phone = new() { Width = 360, Height = 740 };
    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    private readonly BrowserFixture _f;

    public LayoutTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Theory]
    [InlineData(360)]
    [InlineData(1280)]
    public async Task The_offline_banner_leaves_the_conversation_header_uncovered(int width)
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("banner");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", viewport: width == 360 ? Phone : Desktop);
        await Pages.OnlineAsync(page);

        await page.Context.SetOfflineAsync(true);
        var banner = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "offline" });
        await Expect(banner).ToBeVisibleAsync();
        var header = page.Locator(".conversation-header");
        await Expect(header).ToBeInViewportAsync(new() { Ratio = 1 });
        await Layout.AssertApartAsync(banner, header);
        await Layout.AssertNoHorizontalOverflowAsync(page);
        await page.Context.SetOfflineAsync(false);
    }

    [Fact]
    public async Task The_back_arrow_shows_on_a_phone_only()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("arrows");
        var desktop = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", viewport: Desktop);
        await Expect(desktop.GetByRole(AriaRole.Heading, new() { Name = "# arrows" })).ToBeVisibleAsync();
        await Expect(desktop.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" })).ToBeHiddenAsync();

        var phone = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", viewport: Phone);
        var back = phone.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" });
        await Expect(back).ToBeVisibleAsync();
        await back.FocusAsync();
        await phone.Keyboard.PressAsync("Enter");
        await Expect(phone.GetByRole(AriaRole.Link, new() { Name = "arrows" })).ToBeInViewportAsync();
    }

    [Theory]
    [InlineData("/settings", "Settings")]
    [InlineData("/people", "People")]
    [InlineData("/browse", "Channels")]
    public async Task On_a_phone_each_page_has_a_way_back_to_the_list(string path, string heading)
    {
        var org = await _f.App.OrganizationAsync();
        var page = await _f.PageAsync(org.Owner, "/", viewport: Phone);
        await page.GetByRole(AriaRole.Link, new() { Name = path == "/browse" ? "Browse channels" : heading, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeInViewportAsync();
        await Layout.AssertNoHorizontalOverflowAsync(page);

        var back = page.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" });
        await Expect(back).ToBeInViewportAsync();
        await back.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" })).ToBeInViewportAsync();
        Assert.Equal("/", new Uri(page.Url).AbsolutePath);
    }

    [Theory]
    [InlineData(360)]
    [InlineData(1280)]
    public async Task Back_from_a_thread_returns_to_its_conversation(int width)
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("threaded");
        var root = await org.Owner.SendAsync(channel.Id, "Start of a thread");
        await org.Owner.SendAsync(channel.Id, "Inside the thread", threadRootId: root.Id);
        var page = await _f.PageAsync(org.Owner, "/", viewport: width == 360 ? Phone : Desktop);
        await page.GetByRole(AriaRole.Link, new() { Name = "threaded" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "1 reply" }).ClickAsync();
        var thread = page.GetByRole(AriaRole.Complementary, new() { Name = "Thread" });
        await Expect(thread.GetByText("Inside the thread")).ToBeInViewportAsync();

        await page.GoBackAsync();
        await Expect(thread).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "# threaded" })).ToBeInViewportAsync();
        await Expect(page.GetByRole(AriaRole.Log, new() { Name = "Messages" }).GetByText("Start of a thread")).ToBeInViewportAsync();

        await page.GoForwardAsync();
        await Expect(thread.GetByText("Inside the thread")).ToBeInViewportAsync();
        await thread.GetByRole(AriaRole.Button, new() { Name = "Close" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(thread).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "# threaded" })).ToBeInViewportAsync();
    }
}

/// <summary>Geometry checks on what a person sees.</summary>
public static class Layout
{
    public static async Task AssertApartAsync(ILocator a, ILocator b)
    {
        var first = await a.BoundingBoxAsync() ?? throw new InvalidOperationException("not on screen");
        var second = await b.BoundingBoxAsync() ?? throw new InvalidOperationException("not on screen");
        var overlap = first.X < second.X + second.Width && second.X < first.X + first.Width
            && first.Y < second.Y + second.Height && second.Y < first.Y + first.Height;
        Assert.False(overlap, $"({first.X},{first.Y} {first.Width}x{first.Height}) overlaps ({second.X},{second.Y} {second.Width}x{second.Height})");
    }

    public static async Task AssertNoHorizontalOverflowAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the page scrolls sideways");

    /// <summary>The element at the header's centre is the header (or inside it): nothing is drawn over it.</summary>
    public static async Task AssertOnTopAsync(ILocator element) =>
        Assert.True(await element.EvaluateAsync<bool>(
            "e => { const r = e.getBoundingClientRect(); const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return e.contains(hit); }"),
            "something covers the element");
}
