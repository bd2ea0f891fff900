using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Messages;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>A server whose clock the tests move, so a session outlives its idle timeout without waiting for it.</summary>
public sealed class ClockServer : ParleyApp
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(10);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-browser-clock-{Guid.NewGuid():N}.db")};Default Timeout=60";
    protected override bool KeepsOperatorSignedIn => false;
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Parley:Sessions:IdleTimeout", IdleTimeout.ToString())];
    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>Signing in as the server now answers it: expired sessions, several organizations, and invites that sign in.</summary>
public sealed class SignInTests : IClassFixture<ClockServer>
{
    private const string Password = "the same password everywhere";

    private readonly BrowserFixture _f;
    private readonly ClockServer _clock;

    public SignInTests(BrowserFixture fixture, ClockServer clock)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
        _clock = clock;
    }

    private static Task<MeDto> MeAsync(Actor actor) => actor.GetOkAsync<MeDto>("/api/v1/users/me");

    private static ILocator Composer(IPage page) => page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });

    private async Task<IPage> ClockPageAsync(Actor actor, string path, string locale)
    {
        var context = await _f.Browser.NewContextAsync(new() { Locale = locale, TimezoneId = "Europe/Paris" });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(_clock.BaseAddress, "/").ToString());
        var me = await actor.Http.GetStringAsync("/api/v1/users/me");
        await page.EvaluateAsync("([token, me]) => localStorage.setItem('parley.session', JSON.stringify({ token, me: JSON.parse(me) }))",
            new[] { actor.Token, me });
        await page.GotoAsync(new Uri(_clock.BaseAddress, path).ToString());
        return page;
    }

    [Fact]
    public async Task An_expired_session_shows_sign_in_with_the_reason_and_the_queued_message_is_sent_after_signing_in_again()
    {
        var org = await _clock.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("expiry", "public", bob);
        var laptop = await _clock.LoginAsync(bob.Email, bob.Password, "Bob's laptop");
        var page = await ClockPageAsync(laptop, $"/c/{channel.Id}", "en-US");
        await Pages.OnlineAsync(page);

        await page.Context.SetOfflineAsync(true);
        await Composer(page).FillAsync("Written before the session expired");
        await Composer(page).PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToBeVisibleAsync();
        _clock.Clock.Advance(ClockServer.IdleTimeout + TimeSpan.FromMinutes(1));
        await page.Context.SetOfflineAsync(false);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your session has expired. Sign in again.");
        await page.GetByLabel("Email").FillAsync(bob.Email);
        await page.GetByLabel("Password").FillAsync(bob.Password);
        await page.GetByLabel("Password").PressAsync("Enter");

        await page.GetByRole(AriaRole.Link, new() { Name = "expiry" }).ClickAsync();
        await Expect(page.Locator("article.message:not(.pending)", new() { HasText = "Written before the session expired" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Message waiting to be sent" })).ToHaveCountAsync(0);
        var reader = await _clock.LoginAsync(bob.Email, bob.Password);
        var sent = await reader.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{channel.Id}/messages");
        Assert.Single(sent.Messages, m => m.Content == "Written before the session expired");
    }

    [Fact]
    public async Task An_expired_session_is_explained_in_french_on_a_french_page()
    {
        var org = await _clock.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var laptop = await _clock.LoginAsync(bob.Email, bob.Password, "Bob's laptop");
        var page = await ClockPageAsync(laptop, "/", "fr-FR");
        await Pages.OnlineAsync(page);

        _clock.Clock.Advance(ClockServer.IdleTimeout + TimeSpan.FromMinutes(1));
        await page.ReloadAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Se connecter à Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Votre session a expiré. Reconnectez-vous.");
    }

    [Fact]
    public async Task The_same_email_in_two_organizations_chooses_one_and_signs_in_to_it()
    {
        var (acme, globex) = (await _f.App.OrganizationAsync(), await _f.App.OrganizationAsync());
        var email = $"pat-{Guid.NewGuid():N}@example.test";
        var atAcme = await acme.MemberAsync("Pat", email, Password);
        var atGlobex = await globex.MemberAsync("Pat", email, Password);
        await acme.Owner.CreateChannelAsync("acme-only", "public", atAcme);
        await globex.Owner.CreateChannelAsync("globex-only", "public", atGlobex);
        var (acmeName, globexName) = ((await MeAsync(atAcme)).OrganizationName, (await MeAsync(atGlobex)).OrganizationName);
        var page = await _f.PageAsync(null);

        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var chooser = page.GetByRole(AriaRole.Group, new() { Name = "You have an account in several organizations. Choose one:" });
        await Expect(chooser.GetByRole(AriaRole.Radio)).ToHaveCountAsync(2);
        await Expect(chooser.GetByRole(AriaRole.Radio, new() { Name = acmeName })).ToBeVisibleAsync();
        await Expect(chooser.GetByRole(AriaRole.Radio, new() { Name = globexName })).ToBeVisibleAsync();
        // The one not chosen by default, so a client that ignored the choice would open the other organization.
        var other = chooser.GetByRole(AriaRole.Radio).Nth(1);
        await Expect(other).Not.ToBeCheckedAsync();
        await other.CheckAsync();
        var picked = (await chooser.Locator("label").Nth(1).InnerTextAsync()).Trim();
        var (pickedChannel, otherChannel, otherName) = picked == globexName ? ("globex-only", "acme-only", acmeName) : ("acme-only", "globex-only", globexName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync(picked);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = pickedChannel })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = otherChannel })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Navigation)).Not.ToContainTextAsync(otherName);
    }

    [Fact]
    public async Task Accepting_an_invite_opens_the_app_with_the_session_the_answer_carries_without_signing_in_again()
    {
        var org = await _f.App.OrganizationAsync();
        var email = $"newcomer-{Guid.NewGuid():N}@{org.Domain}";
        var invite = await (await org.Owner.PostAsync("/api/v1/users/invites", new { email, role = "member" }))
            .ReadAsync<InviteDto>(HttpStatusCode.Created);
        var requests = new ConcurrentQueue<string>();
        var page = await _f.PageAsync(null, $"/invite#{invite.Token}",
            beforeLoad: page => { page.Request += (_, request) => requests.Enqueue($"{request.Method} {new Uri(request.Url).AbsolutePath}"); return Task.CompletedTask; });

        await page.GetByLabel("Your name").FillAsync("Nora Newcomer");
        await page.GetByLabel("Password").FillAsync("a long and happy password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync((await MeAsync(org.Owner)).OrganizationName);
        await Pages.OnlineAsync(page);
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToBeVisibleAsync();
        Assert.Contains("POST /api/v1/invites/accept", requests);
        Assert.DoesNotContain(requests, r => r.EndsWith("/api/v1/auth/login", StringComparison.Ordinal));
        var newcomer = await _f.App.LoginAsync(email, "a long and happy password");
        var sessions = await newcomer.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");
        Assert.Equal(2, sessions.Count);   // the invite's and this one: the browser opened no second session
    }
}
