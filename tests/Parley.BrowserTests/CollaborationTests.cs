using System.Net;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Messages;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

public sealed class CollaborationTests
{
    private readonly BrowserFixture _f;

    public CollaborationTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task Typing_at_sign_suggests_members_and_the_mention_reaches_them()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("mentions", "public", bob);
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var composer = alice.GetByRole(AriaRole.Textbox, new() { Name = "Message" });

        await composer.PressSequentiallyAsync("thanks @Bo");
        var suggestion = alice.GetByRole(AriaRole.Option, new() { Name = "Bob @bob" });
        await Expect(suggestion).ToBeVisibleAsync();
        await composer.PressAsync("Enter");
        await Expect(composer).ToHaveValueAsync("thanks @bob ");
        await composer.PressAsync("Enter");

        await Expect(alice.Locator("article.message:not(.pending)", new() { HasText = "thanks @bob" })).ToBeVisibleAsync();
        var page = await bob.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{channel.Id}/messages");
        Assert.Equal([bob.Id], Assert.Single(page.Messages).Mentions);
    }

    [Fact]
    public async Task Typing_and_presence_show_to_the_other_person()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var direct = await org.Owner.OpenDirectAsync(bob);
        var alice = await _f.PageAsync(org.Owner, $"/c/{direct.Id}");
        await Pages.OnlineAsync(alice);
        var bobs = await _f.PageAsync(bob, $"/c/{direct.Id}");
        await Pages.OnlineAsync(bobs);

        await Expect(alice.GetByRole(AriaRole.Link, new() { Name = "Bob" }).GetByRole(AriaRole.Img, new() { Name = "online" })).ToBeVisibleAsync();
        await bobs.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressSequentiallyAsync("hello th");
        await Expect(alice.GetByText("Bob is typing…")).ToBeVisibleAsync();

        await bobs.Context.CloseAsync();
        await Expect(alice.GetByRole(AriaRole.Link, new() { Name = "Bob" }).GetByRole(AriaRole.Img, new() { Name = "offline" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_file_dropped_on_the_conversation_is_attached()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("drops");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var zone = page.Locator(".conversation-main");
        var transfer = await page.EvaluateHandleAsync(
            "() => { const t = new DataTransfer(); t.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' })); return t; }");

        await zone.DispatchEventAsync("dragover", new Dictionary<string, object> { ["dataTransfer"] = transfer });
        await Expect(page.GetByText("Drop files to attach them")).ToBeVisibleAsync();
        await zone.DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = transfer });
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Files to send" })).ToContainTextAsync("dropped.txt");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Files to send" }).Locator("progress")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Download dropped.txt" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Going_offline_shows_at_once_and_clears_when_back()
    {
        var org = await _f.App.OrganizationAsync();
        var page = await _f.PageAsync(org.Owner);
        await Pages.OnlineAsync(page);

        await page.Context.SetOfflineAsync(true);
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("offline");
        await page.Context.SetOfflineAsync(false);
        await Pages.OnlineAsync(page);
    }

    [Fact]
    public async Task Signing_this_device_out_in_settings_ends_its_session()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var laptop = await _f.App.LoginAsync(bob.Email, bob.Password, "Bob's laptop");
        var page = await _f.PageAsync(laptop, "/settings");

        await Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "this device" })).ToContainTextAsync("Bob's laptop");
        await Expect(page.GetByText("test device")).ToBeVisibleAsync();          // his other session is listed too
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out this device" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await (await laptop.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_admin_invites_someone_changes_a_role_and_deactivates_a_person()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var page = await _f.PageAsync(org.Owner, "/people");

        await page.GetByLabel("Email").FillAsync($"dana@{org.Domain}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create invite link" }).ClickAsync();
        await Expect(page.GetByLabel("Invite link")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/invite#.+"));

        var changed = await page.RunAndWaitForResponseAsync(() => page.GetByLabel("Role of Bob").SelectOptionAsync("admin"),
            r => r.Request.Method == "PUT" && r.Url.EndsWith($"/users/{bob.Id}/role"));
        Assert.True(changed.Ok);
        Assert.Equal("admin", (await org.Owner.GetOkAsync<List<UserDto>>("/api/v1/users")).Single(u => u.Id == bob.Id).Role);
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Bob" }).GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Bob" })).ToContainTextAsync("Deactivated");
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
