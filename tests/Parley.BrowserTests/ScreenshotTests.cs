using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// Renders the main screens on desktop and phone. The images go to a temporary folder, or to docs/screenshots when
/// PARLEY_SCREENSHOTS=docs (how the README's pictures are made).
/// </summary>
public sealed class ScreenshotTests
{
    private readonly BrowserFixture _f;

    public ScreenshotTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task The_main_screens_render_on_desktop_and_phone()
    {
        var folder = Screens.Folder;

        var org = await _f.App.OrganizationAsync();
        await (await org.Owner.PatchAsync("/api/v1/organization", new { name = "Acme Corp" })).ShouldBe(System.Net.HttpStatusCode.OK);
        var bob = await org.MemberAsync("Bob");
        var carol = await org.MemberAsync("Carol");
        var channel = await org.Owner.CreateChannelAsync("sales", "public", bob, carol);
        await org.Owner.CreateChannelAsync("support", "public", bob);
        await org.Owner.OpenDirectAsync(bob);
        var root = await org.Owner.SendAsync(channel.Id, "Morning team! The **Q3 pipeline** review is at 10:00.");
        await bob.SendAsync(channel.Id, "I'll bring the updated forecast.", threadRootId: root.Id);
        await carol.SendAsync(channel.Id, $"@{org.Owner.Handle} the Globex renewal is signed 🎉");
        await bob.PutAsync($"/api/v1/conversations/{channel.Id}/messages/{root.Id}/reactions/👍");
        await bob.SendAsync(channel.Id, "Great news. Can someone update the CRM record?");

        var desktop = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        await Expect(desktop.GetByText("Can someone update the CRM record?")).ToBeVisibleAsync();
        await Pages.OnlineAsync(desktop);
        await desktop.GetByRole(AriaRole.Button, new() { Name = "1 reply" }).ClickAsync();
        await Expect(desktop.GetByText("I'll bring the updated forecast.")).ToBeVisibleAsync();
        await AssertConversationScreenAsync(desktop, "Can someone update the CRM record?");
        await Expect(desktop.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" })).ToBeInViewportAsync();
        await Expect(desktop.GetByRole(AriaRole.Complementary, new() { Name = "Thread" }).GetByText("I'll bring the updated forecast.")).ToBeInViewportAsync();
        await Expect(desktop.GetByRole(AriaRole.Textbox, new() { Name = "Reply" })).ToBeInViewportAsync();
        await Layout.AssertApartAsync(desktop.Locator(".conversation-main"), desktop.GetByRole(AriaRole.Complementary, new() { Name = "Thread" }));
        await desktop.ScreenshotAsync(new() { Path = Path.Combine(folder, "desktop-conversation.png") });

        var phone = await _f.PageAsync(org.Owner, "/", viewport: new ViewportSize { Width = 360, Height = 740 });
        foreach (var name in new[] { "sales", "support", "Settings" })
            await Expect(phone.GetByRole(AriaRole.Link, new() { Name = name, Exact = true })).ToBeInViewportAsync();
        await Expect(phone.GetByRole(AriaRole.Link, new() { Name = "Bob" })).ToBeInViewportAsync();       // with his presence
        await Layout.AssertNoHorizontalOverflowAsync(phone);
        await phone.ScreenshotAsync(new() { Path = Path.Combine(folder, "phone-conversations.png") });
        await phone.GetByRole(AriaRole.Link, new() { Name = "sales" }).ClickAsync();
        await Expect(phone.GetByText("Can someone update the CRM record?")).ToBeVisibleAsync();
        await AssertConversationScreenAsync(phone, "Can someone update the CRM record?");
        await Expect(phone.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" })).ToBeHiddenAsync();
        await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" })).ToBeInViewportAsync();
        await phone.ScreenshotAsync(new() { Path = Path.Combine(folder, "phone-conversation.png") });

        var signIn = await _f.PageAsync(null, "/", locale: "fr-FR", viewport: new ViewportSize { Width = 360, Height = 740 });
        await Expect(signIn.GetByRole(AriaRole.Heading, new() { Name = "Se connecter à Parley" })).ToBeInViewportAsync();
        await Expect(signIn.GetByLabel("E-mail")).ToBeInViewportAsync();
        await Expect(signIn.GetByLabel("Mot de passe")).ToBeInViewportAsync();
        await Expect(signIn.GetByRole(AriaRole.Button, new() { Name = "Se connecter" })).ToBeInViewportAsync();
        await Layout.AssertNoHorizontalOverflowAsync(signIn);
        await signIn.ScreenshotAsync(new() { Path = Path.Combine(folder, "sign-in-fr.png") });
    }

    /// <summary>A conversation as a person sees it: its header uncovered, the newest message and the composer on screen.</summary>
    private static async Task AssertConversationScreenAsync(IPage page, string newest)
    {
        var header = page.Locator(".conversation-header");
        await Expect(header.GetByRole(AriaRole.Heading, new() { Name = "# sales" })).ToBeInViewportAsync();
        await Expect(header).ToBeInViewportAsync(new() { Ratio = 1 });
        await Layout.AssertOnTopAsync(header);
        await Expect(page.GetByRole(AriaRole.Log, new() { Name = "Messages" }).GetByText(newest)).ToBeInViewportAsync();
        var main = page.GetByRole(AriaRole.Region, new() { Name = "sales" });
        await Expect(main.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeInViewportAsync(new() { Ratio = 1 });
        await Expect(main.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true })).ToBeInViewportAsync(new() { Ratio = 1 });
        await Layout.AssertNoHorizontalOverflowAsync(page);
    }
}
