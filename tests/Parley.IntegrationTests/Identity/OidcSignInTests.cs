using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.TestOidcProvider;

namespace Parley.IntegrationTests.Identity;

/// <summary>Sign-in through a real OpenID Connect provider (OpenIddict, on loopback), the whole redirect flow over HTTP.</summary>
public abstract class OidcSignInTests(ParleyApp app, OidcProviderFixture fixture)
{
    private readonly OidcTestProvider _provider = fixture.Provider;

    private TestUser User(Org org, string name, bool verified = true, string[]? roles = null, Misbehaviour misbehaviour = Misbehaviour.None,
        string? email = null, string? subject = null)
    {
        var user = new TestUser($"{name.ToLowerInvariant()}-{Guid.NewGuid():N}", "provider-password", subject ?? $"sub-{Guid.NewGuid():N}",
            email ?? $"{name.ToLowerInvariant()}@{org.Domain}", verified, $"{name} Provided", roles, misbehaviour);
        _provider.AddUser(user);
        return user;
    }

    private OidcFlow Flow() => new(app, _provider);

    /// <summary>An organization with the provider, and Bob, invited, whose identity at the provider has his email.</summary>
    private async Task<(Org Org, Actor Bob, TestUser AtProvider)> OrganizationWithBobAsync()
    {
        var org = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, org);
        var bob = await org.MemberAsync("Bob");
        return (org, bob, User(org, "Bob", email: bob.Email));
    }

    [Fact]
    public async Task First_sign_in_creates_the_account_and_later_ones_find_it_by_its_link()
    {
        var org = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, org);
        var carol = User(org, "Carol");

        using var first = Flow();
        var ticket = await first.SignInAsync(org.Id, carol.Username).ShouldSignInAsync();
        var elsewhere = await first.CompleteElsewhereAsync(ticket);
        var signedIn = await (await first.CompleteAsync(ticket, "Carol's laptop")).ReadAsync<LoginResultDto>(HttpStatusCode.OK);
        var replayed = await first.CompleteAsync(ticket);
        using var second = Flow();
        var again = await second.SessionAsync(org.Id, carol.Username);

        using var http = app.Http(signedIn.Token);
        var me = await (await http.GetAsync("/api/v1/users/me", TestContext.Current.CancellationToken)).ReadAsync<MeDto>(HttpStatusCode.OK);
        Assert.Equal((org.Id, carol.Email, "Carol Provided", "member"), (me.OrganizationId, me.Email, me.DisplayName, me.Role));
        Assert.Equal(me.Id, again.Me.Id);
        await elsewhere.ShouldBeProblem(HttpStatusCode.Unauthorized, "sso-ticket-invalid");
        await replayed.ShouldBeProblem(HttpStatusCode.Unauthorized, "sso-ticket-invalid");
        Assert.Equal("Carol's laptop", (await app.WithDbAsync(db => db.Sessions.SingleAsync(s => s.Id == signedIn.SessionId))).DeviceName);
        var links = await app.WithDbAsync(db => db.OidcLinks.Where(l => l.UserId == me.Id).ToListAsync());
        Assert.Equal(carol.Subject, Assert.Single(links).Subject);
        Assert.Equal(_provider.Issuer.ToString(), links[0].Issuer);
        // No password opens an account made by the provider.
        await (await app.Http().PostLoginAsync(carol.Email!, "any password at all")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var audit = await org.Owner.AuditAsync();
        Assert.Contains(audit, e => e.Action == "UserJoined" && e.ActorId == me.Id && e.Data.Text("via") == "oidc");
        Assert.Single(audit, e => e.Action == "SsoAccountLinked" && e.ActorId == me.Id);
        Assert.Equal(2, audit.Count(e => e.Action == "LoginSucceeded" && e.ActorId == me.Id && e.Data.Text("method") == "oidc"));
    }

    [Fact]
    public async Task An_existing_account_is_matched_only_by_a_verified_email_and_none_is_created_when_the_rule_says_so()
    {
        var org = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, org, justInTime: "match-verified-email");
        var bob = await org.MemberAsync("Bob");
        var unverified = User(org, "Bob", verified: false, email: bob.Email);
        var verified = User(org, "Bob", email: bob.Email);
        var stranger = User(org, "Dave");
        var elsewhere = User(org, "Erin", email: "erin@elsewhere.test");
        var usersBefore = await app.WithDbAsync(db => db.Users.CountAsync(u => u.OrganizationId == org.Id));

        using (var flow = Flow())
            await flow.SignInAsync(org.Id, unverified.Username).ShouldBeRefusedAsync("oidc-email-unverified");
        using (var flow = Flow())
            await flow.SignInAsync(org.Id, stranger.Username).ShouldBeRefusedAsync("oidc-account-not-found");
        using (var flow = Flow())
            await flow.SignInAsync(org.Id, elsewhere.Username).ShouldBeRefusedAsync("oidc-email-domain-not-allowed");
        using var matched = Flow();
        var result = await matched.SessionAsync(org.Id, verified.Username);

        Assert.Equal(bob.Id, result.Me.Id);
        Assert.Equal(usersBefore, await app.WithDbAsync(db => db.Users.CountAsync(u => u.OrganizationId == org.Id)));
        var failures = await org.Owner.AuditAsync("SsoSignInFailed");
        Assert.Equal(["oidc-account-not-found", "oidc-email-domain-not-allowed", "oidc-email-unverified"],
            failures.Select(e => e.Data.Text("reason")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_linked_subject_stays_with_its_person_and_another_subject_cannot_take_the_account()
    {
        var (org, bob, bobAtProvider) = await OrganizationWithBobAsync();
        using (var flow = Flow())
            await flow.SessionAsync(org.Id, bobAtProvider.Username);

        // The provider gives Bob's address to someone else, and Bob a new one.
        var impostor = User(org, "Impostor", email: bob.Email);
        var bobRenamed = User(org, "Bob", email: $"robert@{org.Domain}", subject: bobAtProvider.Subject);
        using (var flow = Flow())
            await flow.SignInAsync(org.Id, impostor.Username).ShouldBeRefusedAsync("oidc-account-linked-elsewhere");
        using var renamed = Flow();
        var result = await renamed.SessionAsync(org.Id, bobRenamed.Username);

        Assert.Equal(bob.Id, result.Me.Id);
        Assert.Equal(1, await app.WithDbAsync(db => db.OidcLinks.CountAsync(l => l.UserId == bob.Id)));
        var refused = Assert.Single(await org.Owner.AuditAsync("SsoSignInFailed"));
        Assert.Equal(bob.Id, refused.ActorId);
    }

    [Theory]
    [InlineData(Misbehaviour.WrongIssuer, "oidc-issuer-invalid")]
    [InlineData(Misbehaviour.WrongAudience, "oidc-audience-invalid")]
    [InlineData(Misbehaviour.WrongNonce, "oidc-nonce-invalid")]
    [InlineData(Misbehaviour.Expired, "oidc-token-expired")]
    [InlineData(Misbehaviour.AlgNone, "oidc-signature-invalid")]
    [InlineData(Misbehaviour.ForeignKey, "oidc-signature-invalid")]
    public async Task A_bad_id_token_is_refused_audited_and_creates_nothing(Misbehaviour misbehaviour, string code)
    {
        var org = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, org);
        var mallory = User(org, "Mallory", misbehaviour: misbehaviour);

        using var flow = Flow();
        await flow.SignInAsync(org.Id, mallory.Username).ShouldBeRefusedAsync(code);

        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.OrganizationId == org.Id && u.NormalizedEmail == mallory.Email!.ToUpperInvariant())));
        Assert.False(await app.WithDbAsync(db => db.OidcLinks.AnyAsync(l => l.Subject == mallory.Subject)));
        var failure = Assert.Single(await org.Owner.AuditAsync("SsoSignInFailed"));
        Assert.Equal(code, failure.Data.Text("reason"));
        Assert.Null(failure.ActorId);
    }

    [Fact]
    public async Task A_deactivated_account_is_refused_whether_linked_or_not_and_is_not_linked()
    {
        var (org, bob, bobAtProvider) = await OrganizationWithBobAsync();
        var dan = await org.MemberAsync("Dan");
        var danAtProvider = User(org, "Dan", email: dan.Email);
        using (var flow = Flow())
            await flow.SignInAsync(org.Id, bobAtProvider.Username).ShouldSignInAsync();
        await (await org.Owner.PostAsync($"/api/v1/users/{bob.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);
        await (await org.Owner.PostAsync($"/api/v1/users/{dan.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);

        using (var flow = Flow())
            await flow.SignInAsync(org.Id, bobAtProvider.Username).ShouldBeRefusedAsync("oidc-account-deactivated");
        using (var flow = Flow())
            await flow.SignInAsync(org.Id, danAtProvider.Username).ShouldBeRefusedAsync("oidc-account-deactivated");

        var refusals = await org.Owner.AuditAsync("SsoSignInFailed");
        Assert.Equal(new[] { bob.Id, dan.Id }.Order(), refusals.Select(e => e.ActorId!.Value).Order());
        Assert.False(await app.WithDbAsync(db => db.OidcLinks.AnyAsync(l => l.UserId == dan.Id)));
        Assert.DoesNotContain(await org.Owner.AuditAsync("SsoAccountLinked"), e => e.ActorId == dan.Id);
    }

    [Fact]
    public async Task A_ticket_issued_before_deactivation_opens_no_session()
    {
        var (org, bob, bobAtProvider) = await OrganizationWithBobAsync();
        using var flow = Flow();
        var ticket = await flow.SignInAsync(org.Id, bobAtProvider.Username).ShouldSignInAsync();
        await (await org.Owner.PostAsync($"/api/v1/users/{bob.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);

        await (await flow.CompleteAsync(ticket)).ShouldBeProblem(HttpStatusCode.Unauthorized, "sso-ticket-invalid");
    }

    [Fact]
    public async Task A_sign_in_started_for_another_organization_and_a_code_of_its_client_are_refused()
    {
        var acme = await app.OrganizationAsync();
        var globex = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, acme);
        await OidcFlow.ConfigureAsync(app, _provider, globex);
        var person = User(globex, "Gina");

        // Globex's whole sign-in, its callback sent to Acme's address instead.
        using var globexFlow = Flow();
        var globexCallback = await globexFlow.LogInAtProviderAsync(await globexFlow.StartAsync(globex.Id), person.Username, person.Password);
        await globexFlow.CallbackAsync(new Uri(globexCallback.ToString().Replace(globex.Id.ToString(), acme.Id.ToString())))
            .ShouldBeRefusedAsync("oidc-state-invalid");

        // Acme's own sign-in in progress, answered with a code that Globex's client received.
        using var acmeFlow = Flow();
        var acmeAuthorize = await acmeFlow.StartAsync(acme.Id);
        var acmeState = System.Web.HttpUtility.ParseQueryString(acmeAuthorize.Query)["state"];
        using var globexAgain = Flow();
        var globexCode = System.Web.HttpUtility.ParseQueryString(
            (await globexAgain.LogInAtProviderAsync(await globexAgain.StartAsync(globex.Id), person.Username, person.Password)).Query)["code"];
        await acmeFlow.CallbackAsync(new Uri(app.BaseAddress,
                $"/api/v1/auth/oidc/{acme.Id}/callback?code={Uri.EscapeDataString(globexCode!)}&state={Uri.EscapeDataString(acmeState!)}"))
            .ShouldBeRefusedAsync("oidc-code-exchange-failed");

        Assert.Equal(["oidc-code-exchange-failed", "oidc-state-invalid"],
            (await acme.Owner.AuditAsync("SsoSignInFailed")).Select(e => e.Data.Text("reason")).Order(StringComparer.Ordinal));
        Assert.Empty(await globex.Owner.AuditAsync("SsoSignInFailed"));
        Assert.False(await app.WithDbAsync(db => db.OidcLinks.AnyAsync(l => l.Subject == person.Subject)));
    }

    [Fact]
    public async Task The_role_claim_decides_the_role_and_a_change_at_the_provider_is_audited()
    {
        var org = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, org, roleClaim: OidcTestProvider.RolesClaim, adminRoleValues: ["Parley Admins"]);
        var subject = $"sub-{Guid.NewGuid():N}";
        var asAdmin = User(org, "Hana", roles: ["Parley Admins", "Staff"], subject: subject);

        using var first = Flow();
        var admin = await first.SessionAsync(org.Id, asAdmin.Username);
        var demoted = User(org, "Hana", roles: ["Staff"], subject: subject, email: asAdmin.Email);
        using var second = Flow();
        var member = await second.SessionAsync(org.Id, demoted.Username);

        Assert.Equal("admin", admin.Me.Role);
        Assert.Equal("member", member.Me.Role);
        var change = Assert.Single(await org.Owner.AuditAsync("UserRoleChanged"), e => e.TargetId == admin.Me.Id.ToString());
        Assert.Equal(("admin", "member", "oidc"), (change.Data.Text("before"), change.Data.Text("after"), change.Data.Text("by")));
    }
}

public sealed class SqliteOidcSignInTests(SqliteApp app, OidcProviderFixture provider) : OidcSignInTests(app, provider), IClassFixture<OidcProviderFixture>;

public sealed class PostgresOidcSignInTests : OidcSignInTests, IClassFixture<OidcProviderFixture>
{
    public PostgresOidcSignInTests(PostgresApp app, OidcProviderFixture provider) : base(app, provider) => Engines.SkipUnlessConfigured(app);
}
