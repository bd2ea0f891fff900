using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

public sealed class ChatTests
{
    private readonly BrowserFixture _f;

    public ChatTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task A_message_typed_by_Alice_appears_live_for_Bob_and_her_edit_and_delete_follow()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("lunch", "public", bob);
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var bobs = await _f.PageAsync(bob, $"/c/{channel.Id}");
        await Pages.OnlineAsync(alice);
        await Pages.OnlineAsync(bobs);

        await alice.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Lunch at **12**?");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(bobs.Locator("article.message strong", new() { HasText = "12" })).ToBeVisibleAsync();

        var mine = alice.Locator("article.message", new() { HasText = "Lunch at" });
        await Pages.ClickMessageActionAsync(mine, "Edit");
        await alice.GetByLabel("Edit message").FillAsync("Lunch at 12:30?");
        await alice.GetByLabel("Edit message").PressAsync("Enter");
        await Expect(bobs.GetByText("Lunch at 12:30?")).ToBeVisibleAsync();
        await Expect(bobs.GetByText("(edited)")).ToBeVisibleAsync();

        await Pages.ClickMessageActionAsync(mine, "Delete");
        await Expect(bobs.GetByText("This message was deleted.")).ToBeVisibleAsync();
        await Expect(alice.GetByText("This message was deleted.")).ToBeVisibleAsync();
        await Expect(bobs.GetByText("Lunch at 12:30?")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_up_arrow_in_an_empty_composer_edits_ones_last_message_and_escape_leaves_it_as_it_was()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("plans", "public", bob);
        await org.Owner.SendAsync(channel.Id, "first plan");
        await org.Owner.SendAsync(channel.Id, "second plan");
        await bob.SendAsync(channel.Id, "bob's plan");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await Expect(page.GetByText("bob's plan")).ToBeVisibleAsync();

        await composer.FocusAsync();
        await composer.PressAsync("ArrowUp");
        var editor = page.GetByLabel("Edit message");
        await Expect(editor).ToBeFocusedAsync();
        await Expect(editor).ToHaveValueAsync("second plan");                  // one's own last message, not bob's
        await editor.PressAsync("Escape");
        await Expect(editor).ToHaveCountAsync(0);
        await Expect(page.GetByText("second plan")).ToBeVisibleAsync();

        await composer.FillAsync("draft");
        await composer.PressAsync("ArrowUp");                                  // a composer with text keeps its arrow
        await Expect(editor).ToHaveCountAsync(0);
        await composer.FillAsync("");
        await composer.PressAsync("ArrowUp");
        await editor.FillAsync("second plan, revised");
        await editor.PressAsync("Enter");
        await Expect(page.GetByText("second plan, revised")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Consecutive_messages_from_one_sender_show_as_one_group_that_another_sender_breaks()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("standup", "public", bob);
        foreach (var text in new[] { "done: the report", "next: the slides" })
            await bob.SendAsync(channel.Id, text);
        await org.Owner.SendAsync(channel.Id, "thanks");
        await bob.SendAsync(channel.Id, "blocked: nothing");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");

        var articles = page.Locator("article.message");
        await Expect(articles).ToHaveCountAsync(4);
        await Expect(articles.Nth(0)).Not.ToHaveClassAsync(new Regex(@"\bcontinued\b"));
        await Expect(articles.Nth(1)).ToHaveClassAsync(new Regex(@"\bcontinued\b"));
        await Expect(articles.Nth(1).GetByRole(AriaRole.Button, new() { Name = "Bob" })).ToHaveCountAsync(0);
        await Expect(articles.Nth(1)).ToHaveAttributeAsync("aria-label", "Message from Bob");   // still named for screen readers
        await Expect(articles.Nth(2)).Not.ToHaveClassAsync(new Regex(@"\bcontinued\b"));
        await Expect(articles.Nth(3)).Not.ToHaveClassAsync(new Regex(@"\bcontinued\b"));
    }

    [Fact]
    public async Task Enter_sends_and_shift_enter_starts_a_new_line()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("notes");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });

        await composer.FillAsync("first line");
        await composer.PressAsync("Shift+Enter");
        await composer.PressSequentiallyAsync("second line");
        await composer.PressAsync("Enter");

        await Expect(page.Locator("article.message:not(.pending) .content")).ToContainTextAsync("second line");
        await Expect(composer).ToHaveValueAsync("");
        var history = await org.Owner.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{channel.Id}/messages");
        Assert.Equal("first line\nsecond line", Assert.Single(history.Messages).Content);
    }

    [Fact]
    public async Task A_reply_in_a_thread_shows_in_the_side_panel_for_both_and_escape_closes_the_panel()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("plans", "public", bob);
        await org.Owner.SendAsync(channel.Id, "Shall we move the launch?");
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var bobs = await _f.PageAsync(bob, $"/c/{channel.Id}");
        await Pages.OnlineAsync(alice);

        var root = bobs.Locator("article.message", new() { HasText = "Shall we move the launch?" });
        await Pages.ClickMessageActionAsync(root, "Reply in thread");
        var reply = bobs.GetByRole(AriaRole.Textbox, new() { Name = "Reply" });
        await reply.FillAsync("Yes, to Monday");
        await reply.PressAsync("Enter");
        await Expect(bobs.GetByRole(AriaRole.Complementary, new() { Name = "Thread" }).GetByText("Yes, to Monday")).ToBeVisibleAsync();

        await alice.GetByRole(AriaRole.Button, new() { Name = "1 reply" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Complementary, new() { Name = "Thread" }).GetByText("Yes, to Monday")).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Log, new() { Name = "Messages" }).GetByText("Yes, to Monday")).ToHaveCountAsync(0);

        // Escape first closes what the focus is using (the mention suggestions), then the panel, and the focus goes back to the composer.
        await reply.FillAsync($"@{org.Owner.Handle[..2]}");
        await Expect(bobs.GetByRole(AriaRole.Listbox)).ToBeVisibleAsync();
        await reply.PressAsync("Escape");
        await Expect(bobs.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0);
        await Expect(bobs.GetByRole(AriaRole.Complementary, new() { Name = "Thread" })).ToBeVisibleAsync();
        await reply.PressAsync("Escape");
        await Expect(bobs.GetByRole(AriaRole.Complementary, new() { Name = "Thread" })).ToHaveCountAsync(0);
        await Expect(bobs.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeFocusedAsync();
    }

    [Fact]
    public async Task A_file_uploads_with_progress_and_the_other_member_downloads_it()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("files", "private", bob);
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var bobs = await _f.PageAsync(bob, $"/c/{channel.Id}");
        await Pages.OnlineAsync(bobs);
        var content = "Quarterly figures\n"u8.ToArray();

        await alice.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "figures.txt", MimeType = "text/plain", Buffer = content });
        await Expect(alice.GetByRole(AriaRole.List, new() { Name = "Files to send" })).ToContainTextAsync("figures.txt");
        await Expect(alice.GetByRole(AriaRole.List, new() { Name = "Files to send" }).Locator("progress")).ToHaveCountAsync(0);
        await alice.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("The figures");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        var button = bobs.GetByRole(AriaRole.Button, new() { Name = "Download figures.txt" });
        await Expect(button).ToBeVisibleAsync();
        var download = await bobs.RunAndWaitForDownloadAsync(() => button.ClickAsync());
        Assert.Equal("figures.txt", download.SuggestedFilename);
        await using var stream = await download.CreateReadStreamAsync();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task An_image_shows_as_a_preview()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("pictures");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var png = await File.ReadAllBytesAsync(Path.Combine(Pages.WebRoot, "public/icons/icon-192.png"), TestContext.Current.CancellationToken);

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = png });
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Files to send" }).Locator("progress")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        var preview = page.GetByRole(AriaRole.Img, new() { Name = "logo.png" });
        await Expect(preview).ToBeVisibleAsync();
        Assert.True(await preview.EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 192"));
    }

    [Fact]
    public async Task Script_in_a_message_a_name_or_a_file_name_is_shown_as_text()
    {
        var org = await _f.App.OrganizationAsync();
        var invite = await (await org.Owner.PostAsync("/api/v1/users/invites", new { email = $"mallory@{org.Domain}" }))
            .ReadAsync<Parley.Server.Features.Accounts.InviteDto>(HttpStatusCode.Created);
        var mallory = await Org.AcceptAsync(_f.App, invite.Token, $"mallory@{org.Domain}", "Mallory<img src=x onerror=window.pwned=1>");
        var channel = await org.Owner.CreateChannelAsync("<script>window.pwned=1</script>", "public", mallory);
        await mallory.SendAsync(channel.Id, "<img src=x onerror=window.pwned=1> [x](javascript:window.pwned=1) <script>window.pwned=1</script>");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "<script>window.pwned=1</script>" })).ToBeVisibleAsync();
        await Expect(page.Locator("article.message header strong").First).ToHaveTextAsync("Mallory<img src=x onerror=window.pwned=1>");
        Assert.Equal(0, await page.Locator("article.message .content img, article.message .content script").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("() => window.pwned ?? null"));
        var link = page.Locator("article.message .content a");
        if (await link.CountAsync() > 0)
            Assert.Null(await link.First.GetAttributeAsync("href"));
    }

    [Fact]
    public async Task An_external_link_opens_in_a_new_tab_without_an_opener()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("links");
        await org.Owner.SendAsync(channel.Id, "See [the report](https://example.org/report) and https://example.net/");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");

        var links = page.Locator("article.message .content a");
        await Expect(links).ToHaveCountAsync(2);
        foreach (var link in await links.AllAsync())
        {
            await Expect(link).ToHaveAttributeAsync("target", "_blank");
            var rel = (await link.GetAttributeAsync("rel") ?? "").Split(' ');
            Assert.Contains("noopener", rel);
            Assert.Contains("noreferrer", rel);
        }
    }

    [Fact]
    public async Task A_message_sent_offline_goes_out_once_when_the_connection_returns()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("field", "public", bob);
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var bobs = await _f.PageAsync(bob, $"/c/{channel.Id}");
        await Pages.OnlineAsync(alice);
        await Pages.OnlineAsync(bobs);

        await alice.Context.SetOfflineAsync(true);
        await alice.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Sent from the basement");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToBeVisibleAsync();
        await alice.Context.SetOfflineAsync(false);

        await Expect(bobs.GetByText("Sent from the basement")).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(0);
        await Expect(alice.GetByText("Sent from the basement")).ToHaveCountAsync(1);
        await Pages.OutboxEmptyAsync(alice, org.Owner);         // nothing left that a later retry could send again
        var history = await bob.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{channel.Id}/messages");
        Assert.Single(history.Messages, m => m.Content == "Sent from the basement");
        await Expect(bobs.GetByText("Sent from the basement")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Someone_signs_in_and_sees_their_organization()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var page = await _f.PageAsync(null);

        await page.GetByLabel("Email").FillAsync(bob.Email);
        await page.GetByLabel("Password").FillAsync("wrong password!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The email or password is wrong.");
        await page.GetByLabel("Password").FillAsync(bob.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome to Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync($"Org {org.Domain}");
    }

    [Fact]
    public async Task An_invited_person_sets_a_password_and_lands_signed_in()
    {
        var org = await _f.App.OrganizationAsync();
        var invite = await (await org.Owner.PostAsync("/api/v1/users/invites", new { email = $"carol@{org.Domain}" }))
            .ReadAsync<Parley.Server.Features.Accounts.InviteDto>(HttpStatusCode.Created);
        var page = await _f.PageAsync(null, $"/invite#{invite.Token}");

        await page.GetByLabel("Your name").FillAsync("Carol");
        await page.GetByLabel("Password").FillAsync("a sentence that is long");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome to Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync("Carol");
        Assert.Equal("/", new Uri(page.Url).AbsolutePath);
    }
}
