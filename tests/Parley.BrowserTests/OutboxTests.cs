using System.Net;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>Unsent messages belong to their author, survive tabs, sign-outs and refusals, and go out as soon as they can.</summary>
public sealed class OutboxTests
{
    private readonly BrowserFixture _f;

    public OutboxTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    private static ILocator Composer(IPage page) => page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });

    private static async Task<IReadOnlyList<string?>> ContentsAsync(Actor reader, long conversationId) =>
        (await reader.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{conversationId}/messages")).Messages.Select(m => m.Content).ToList();

    [Fact]
    public async Task A_message_queued_before_the_session_ended_is_sent_once_the_same_person_signs_in_again()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("later", "public", bob);
        var laptop = await _f.App.LoginAsync(bob.Email, bob.Password, "Bob's laptop");
        var page = await _f.PageAsync(laptop, $"/c/{channel.Id}");
        await Pages.OnlineAsync(page);

        await page.Context.SetOfflineAsync(true);
        await Composer(page).FillAsync("Written before the session ended");
        await Composer(page).PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToBeVisibleAsync();
        await (await laptop.DeleteAsync("/api/v1/auth/sessions/current")).ShouldBe(HttpStatusCode.NoContent);
        await page.Context.SetOfflineAsync(false);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByText("You were signed out. Sign in again.")).ToBeVisibleAsync();
        await page.GetByLabel("Email").FillAsync(bob.Email);
        await page.GetByLabel("Password").FillAsync(bob.Password);
        await page.GetByLabel("Password").PressAsync("Enter");

        await page.GetByRole(AriaRole.Link, new() { Name = "later" }).ClickAsync();
        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "Written before the session ended" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(0);
        Assert.Single(await ContentsAsync(bob, channel.Id), c => c == "Written before the session ended");
    }

    [Fact]
    public async Task Messages_queued_in_two_tabs_are_all_kept_and_sent_by_the_next_tab()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("tabs");
        var first = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var second = await first.Context.NewPageAsync();
        await second.GotoAsync(_f.Url($"/c/{channel.Id}"));
        await Pages.OnlineAsync(first);
        await Pages.OnlineAsync(second);

        await first.Context.SetOfflineAsync(true);
        await Composer(first).FillAsync("Queued in the first tab");
        await Composer(first).PressAsync("Enter");
        await Expect(first.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToBeVisibleAsync();
        await Composer(second).FillAsync("Queued in the second tab");
        await Composer(second).PressAsync("Enter");
        await Expect(second.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(2);
        await first.CloseAsync();
        await second.CloseAsync();

        await first.Context.SetOfflineAsync(false);
        var third = await first.Context.NewPageAsync();
        await third.GotoAsync(_f.Url($"/c/{channel.Id}"));
        await Expect(third.Locator("article.message:not(.pending)", new() { HasText = "Queued in the first tab" })).ToBeVisibleAsync();
        await Expect(third.Locator("article.message:not(.pending)", new() { HasText = "Queued in the second tab" })).ToBeVisibleAsync();
        await Expect(third.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(0);
        var contents = await ContentsAsync(org.Owner, channel.Id);
        Assert.Single(contents, c => c == "Queued in the first tab");
        Assert.Single(contents, c => c == "Queued in the second tab");
    }

    [Fact]
    public async Task A_message_queued_while_another_is_being_sent_follows_it_without_waiting_for_a_timer()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("burst");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", beforeLoad: page => page.Clock.InstallAsync());
        await Pages.OnlineAsync(page);
        await page.Clock.PauseAtAsync(DateTime.Now.AddSeconds(1));   // timers stand still: only the flush itself may send
        var held = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await page.RouteAsync($"**/api/v1/conversations/{channel.Id}/messages", route =>
        {
            // Returns at once and lets the request go later: a handler that waits would hold up the page's other events.
            if (route.Request.Method == "POST" && route.Request.PostData!.Contains("first of two") && held.TrySetResult())
                _ = release.Task.ContinueWith(_ => route.ContinueAsync());
            else
                _ = route.ContinueAsync();
        });

        await Composer(page).FillAsync("first of two");
        await Composer(page).PressAsync("Enter");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await Composer(page).FillAsync("second of two");
        await Composer(page).PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(2);
        release.SetResult();

        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(0);
        Assert.Equal(["first of two", "second of two"], await ContentsAsync(org.Owner, channel.Id));
    }

    [Fact]
    public async Task A_message_the_server_refuses_is_shown_as_failed_and_can_be_retried()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("refusal", "public", bob);
        var page = await _f.PageAsync(bob, $"/c/{channel.Id}");
        await Pages.OnlineAsync(page);

        await page.Context.SetOfflineAsync(true);
        await Composer(page).FillAsync("Sent after I was removed");
        await Composer(page).PressAsync("Enter");
        await (await org.Owner.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);
        await page.Context.SetOfflineAsync(false);

        var failed = page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" });
        await Expect(failed).ToContainTextAsync("Not sent");
        await (await org.Owner.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = bob.Id })).ShouldBe(HttpStatusCode.OK);
        await page.ReloadAsync();
        await Expect(failed).ToContainTextAsync("Not sent");
        var retry = failed.GetByRole(AriaRole.Button, new() { Name = "Retry" });
        await retry.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "Sent after I was removed" })).ToBeVisibleAsync();
        await Expect(failed).ToHaveCountAsync(0);
        Assert.Single(await ContentsAsync(bob, channel.Id), c => c == "Sent after I was removed");
    }
}
