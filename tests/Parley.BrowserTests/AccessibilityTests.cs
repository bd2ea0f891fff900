using System.Text.Json;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>axe-core on the main screens: no serious or critical violation of WCAG 2 A/AA.</summary>
public sealed class AccessibilityTests
{
    private static readonly Lazy<string> Axe = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe.min.js")));
    private readonly BrowserFixture _f;

    public AccessibilityTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task The_sign_in_screen_has_no_serious_violation()
    {
        var page = await _f.PageAsync(null, bypassCsp: true);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(360, 740)]
    public async Task A_conversation_has_no_serious_violation(int width, int height)
    {
        var (org, channelId) = await BusyChannelAsync();
        var page = await _f.PageAsync(org.Owner, $"/c/{channelId}", viewport: new ViewportSize { Width = width, Height = height }, bypassCsp: true);
        await Expect(page.GetByText("Has everyone seen the figures?")).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
    }

    [Theory]
    [InlineData("/settings", "Settings")]
    [InlineData("/people", "People")]
    [InlineData("/browse", "Channels")]
    [InlineData("/compliance", "Compliance")]
    public async Task Settings_people_browse_and_compliance_have_no_serious_violation(string path, string heading)
    {
        var (org, _) = await BusyChannelAsync();
        var page = await _f.PageAsync(org.Owner, path, bypassCsp: true);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
    }

    private async Task<(Org, long)> BusyChannelAsync()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("figures", "public", bob);
        var root = await org.Owner.SendAsync(channel.Id, "Has everyone seen the figures?");
        await bob.SendAsync(channel.Id, "Yes — **great** quarter", threadRootId: root.Id);
        await bob.PutAsync($"/api/v1/conversations/{channel.Id}/messages/{root.Id}/reactions/👍");
        return (org, channel.Id);
    }

    internal static async Task AssertAccessibleAsync(IPage page)
    {
        await page.EvaluateAsync(Axe.Value);
        var json = await page.EvaluateAsync<JsonElement>(
            "async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))" +
            ".violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3) }))");
        var serious = json.EnumerateArray().Where(v => v.GetProperty("impact").GetString() is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, "Accessibility violations:\n" + string.Join("\n", serious.Select(v => v.ToString())));
    }
}
