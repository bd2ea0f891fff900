using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Sso;
using Parley.TestOidcProvider;

namespace Parley.IntegrationTests.Identity;

/// <summary>The provider settings, the password sign-in switch and the sign-in screen's question, against a real provider.</summary>
public abstract class SsoSettingsTests(ParleyApp app, OidcProviderFixture fixture)
{
    private readonly OidcTestProvider _provider = fixture.Provider;

    [Fact]
    public async Task Provider_settings_are_for_admins_keep_the_secret_encrypted_and_never_return_it()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var valid = new
        {
            displayName = "Acme SSO",
            issuer = _provider.Issuer.ToString(),
            clientId = "parley-web",
            justInTime = "create-accounts",
            allowedDomains = new[] { org.Domain },
        };

        var none = await org.Owner.GetAsync("/api/v1/organization/sso");
        var withoutSecret = await org.Owner.PutAsync("/api/v1/organization/sso", valid);
        var plainHttp = await org.Owner.PutAsync("/api/v1/organization/sso", valid with { issuer = "http://login.example.com/" });
        var noDomain = await org.Owner.PutAsync("/api/v1/organization/sso", valid with { allowedDomains = new[] { "not a domain" } });
        var byMember = await bob.PutAsync("/api/v1/organization/sso", new { valid.displayName, valid.issuer, valid.clientId, clientSecret = "s3cret-value", valid.justInTime, valid.allowedDomains });
        var created = await org.Owner.PutAsync("/api/v1/organization/sso", new { valid.displayName, valid.issuer, valid.clientId, clientSecret = "s3cret-value", valid.justInTime, valid.allowedDomains });
        var createdText = await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var kept = await (await org.Owner.PutAsync("/api/v1/organization/sso", valid with { displayName = "Acme" })).ReadAsync<OidcProviderDto>(HttpStatusCode.OK);
        var memberRead = await bob.GetAsync("/api/v1/organization/sso");
        var read = await org.Owner.GetOkAsync<OidcProviderDto>("/api/v1/organization/sso");

        await none.ShouldBeProblem(HttpStatusCode.NotFound, "sso-not-configured");
        Assert.Equal("clientSecret", (await withoutSecret.ShouldBeProblem(HttpStatusCode.BadRequest, "sso-settings-invalid")).GetProperty("field").GetString());
        Assert.Equal("issuer", (await plainHttp.ShouldBeProblem(HttpStatusCode.BadRequest, "sso-settings-invalid")).GetProperty("field").GetString());
        Assert.Equal("allowedDomains", (await noDomain.ShouldBeProblem(HttpStatusCode.BadRequest, "sso-settings-invalid")).GetProperty("field").GetString());
        await byMember.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await memberRead.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.DoesNotContain("s3cret-value", createdText);
        Assert.True(kept.HasClientSecret);
        Assert.Equal(("Acme", "create-accounts"), (read.DisplayName, read.JustInTime));
        Assert.Equal([org.Domain], read.AllowedDomains);
        Assert.Equal(new[] { "openid", "email", "profile" }, read.Scopes);
        Assert.Equal(OidcFlow.RedirectUri(app, org.Id), read.RedirectUri);
        var stored = await app.WithDbAsync(db => db.OidcProviders.AsNoTracking().SingleAsync(p => p.OrganizationId == org.Id));
        Assert.DoesNotContain("s3cret-value", stored.ProtectedClientSecret);
        Assert.Equal("s3cret-value", app.Services.GetRequiredService<OidcProtocol>().Unprotect(stored.ProtectedClientSecret));
        var audit = await org.Owner.AuditAsync("SsoProviderChanged");
        Assert.Equal(2, audit.Count);
        Assert.All(audit, e => Assert.DoesNotContain("s3cret-value", e.Data.ToString()));
        Assert.Equal(["False", "True"], audit.Select(e => e.Data.Text("secretChanged")!).Order(StringComparer.Ordinal));

        await (await org.Owner.DeleteAsync("/api/v1/organization/sso")).ShouldBe(HttpStatusCode.NoContent);
        await (await org.Owner.GetAsync("/api/v1/organization/sso")).ShouldBeProblem(HttpStatusCode.NotFound, "sso-not-configured");
        Assert.Single(await org.Owner.AuditAsync("SsoProviderRemoved"));
    }

    [Fact]
    public async Task Password_sign_in_turns_off_only_with_a_provider_and_then_a_right_password_is_told_to_use_it()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var withoutProvider = await org.Owner.PutAsync("/api/v1/organization/password-sign-in", new { allowed = false });
        await OidcFlow.ConfigureAsync(app, _provider, org);
        var byMember = await bob.PutAsync("/api/v1/organization/password-sign-in", new { allowed = false });
        var off = await (await org.Owner.PutAsync("/api/v1/organization/password-sign-in", new { allowed = false }))
            .ReadAsync<PasswordSignInPolicyDto>(HttpStatusCode.OK);
        using var anonymous = app.Http();
        var rightPassword = await anonymous.PostLoginAsync(bob.Email, bob.Password);
        var wrongPassword = await anonymous.PostLoginAsync(bob.Email, "not bob's password");
        var removeProvider = await org.Owner.DeleteAsync("/api/v1/organization/sso");
        var options = await (await anonymous.PostAsJsonAsync("/api/v1/auth/oidc/discover", new { email = bob.Email }, TestContext.Current.CancellationToken))
            .ReadAsync<SsoOptionsDto>(HttpStatusCode.OK);
        var bobAtProvider = new TestUser($"bob-{Guid.NewGuid():N}", "provider-password", $"sub-{Guid.NewGuid():N}", bob.Email);
        _provider.AddUser(bobAtProvider);
        using var flow = new OidcFlow(app, _provider);
        var viaProvider = await flow.SessionAsync(org.Id, bobAtProvider.Username);
        await (await org.Owner.PutAsync("/api/v1/organization/password-sign-in", new { allowed = true })).ShouldBe(HttpStatusCode.OK);
        var passwordAgain = await anonymous.PostLoginAsync(bob.Email, bob.Password);

        await withoutProvider.ShouldBeProblem(HttpStatusCode.Conflict, "sso-not-configured");
        await byMember.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.False(off.Allowed);
        var closed = await rightPassword.ShouldBeProblem(HttpStatusCode.Forbidden, "password-sign-in-disabled");
        Assert.Equal(org.Id, closed.GetProperty("organizationId").GetGuid());
        await wrongPassword.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        await removeProvider.ShouldBeProblem(HttpStatusCode.Conflict, "password-sign-in-disabled");
        Assert.Equal(new SsoOptionDto(org.Id, "Test provider", false), Assert.Single(options.Options));
        Assert.Equal(bob.Id, viaProvider.Me.Id);
        await passwordAgain.ShouldBe(HttpStatusCode.OK);
        var changes = await org.Owner.AuditAsync("OrganizationSettingsChanged");
        Assert.Equal(2, changes.Count(e => e.Data.Text("setting") == "passwordSignInAllowed"));
    }

    [Fact]
    public async Task The_sign_in_screen_learns_of_a_provider_only_for_an_email_of_its_domains()
    {
        var org = await app.OrganizationAsync();
        var other = await app.OrganizationAsync();
        await OidcFlow.ConfigureAsync(app, _provider, org);
        using var anonymous = app.Http();

        async Task<List<SsoOptionDto>> Ask(string email) =>
            (await (await anonymous.PostAsJsonAsync("/api/v1/auth/oidc/discover", new { email }, TestContext.Current.CancellationToken)).ReadAsync<SsoOptionsDto>(HttpStatusCode.OK)).Options;

        Assert.Equal([new SsoOptionDto(org.Id, "Test provider", true)], await Ask($"anyone@{org.Domain.ToUpperInvariant()}"));
        Assert.Empty(await Ask($"alice@{other.Domain}"));
        Assert.Empty(await Ask($"alice@sub.{org.Domain}"));
        Assert.Empty(await Ask("no-domain"));
    }

    [Fact]
    public async Task A_start_for_an_organization_without_a_provider_ends_on_the_sign_in_screen()
    {
        var org = await app.OrganizationAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        var known = await http.GetAsync($"/api/v1/auth/oidc/{org.Id}/start", TestContext.Current.CancellationToken);
        var unknown = await http.GetAsync($"/api/v1/auth/oidc/{Guid.NewGuid()}/start", TestContext.Current.CancellationToken);
        var callback = await http.GetAsync($"/api/v1/auth/oidc/{org.Id}/callback?code=x&state=y", TestContext.Current.CancellationToken);

        Assert.All(new[] { known, unknown, callback }, r =>
        {
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
            Assert.Equal("/#sso-error=oidc-not-available", r.Headers.Location!.OriginalString);
        });
    }
}

public sealed class SqliteSsoSettingsTests(SqliteApp app, OidcProviderFixture provider) : SsoSettingsTests(app, provider), IClassFixture<OidcProviderFixture>;

public sealed class PostgresSsoSettingsTests : SsoSettingsTests, IClassFixture<OidcProviderFixture>
{
    public PostgresSsoSettingsTests(PostgresApp app, OidcProviderFixture provider) : base(app, provider) => Engines.SkipUnlessConfigured(app);
}
