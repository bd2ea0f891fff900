using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Scim;
using static Parley.IntegrationTests.Scim.ScimClient;

namespace Parley.IntegrationTests.Scim;

/// <summary>
/// Provisioning tokens: made and revoked by an organization's admins, shown once, stored hashed, audited; SCIM takes them
/// and nothing else, and each acts inside its own organization only.
/// </summary>
public abstract class ScimAuthenticationTests(ParleyApp app)
{
    private static readonly string[] Paths = ["/Users", "/Groups", "/ServiceProviderConfig", "/Schemas", "/ResourceTypes"];

    [Fact]
    public async Task An_admin_makes_a_token_shown_once_stored_hashed_and_audited()
    {
        var org = await app.OrganizationAsync();

        var created = await (await org.Owner.PostAsync("/api/v1/organization/scim-tokens", new { name = "Entra ID" }))
            .ReadAsync<CreatedScimTokenDto>(HttpStatusCode.Created);
        var listed = await org.Owner.GetOkAsync<List<ScimTokenDto>>("/api/v1/organization/scim-tokens");
        var listText = await (await org.Owner.GetAsync("/api/v1/organization/scim-tokens")).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var stored = await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.ScimTokens.Where(t => t.Id == created.ScimToken.Id).Select(t => t.TokenHash), TestContext.Current.CancellationToken));

        Assert.Equal($"{app.BaseAddress.ToString().TrimEnd('/')}/scim/v2", created.TenantUrl);
        Assert.Equal(("Entra ID", org.Owner.Id), (Assert.Single(listed).Name, listed[0].CreatedBy));
        Assert.DoesNotContain(created.Token, listText);
        Assert.NotEqual(created.Token, stored);
        Assert.Equal(Parley.Server.Platform.Secrets.Hash(created.Token), stored);
        var audit = Assert.Single(await org.Owner.AuditAsync("ScimTokenCreated"));
        Assert.Equal((org.Owner.Id, created.ScimToken.Id.ToString()), (audit.ActorId, audit.TargetId));
        using var scim = new ScimClient(app, created.Token);
        await (await scim.GetAsync("/Users")).ScimAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Members_cannot_make_list_or_revoke_tokens()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var scim = await ForAsync(app, org.Owner);

        await (await bob.PostAsync("/api/v1/organization/scim-tokens", new { name = "mine" })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await bob.GetAsync("/api/v1/organization/scim-tokens")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await bob.DeleteAsync($"/api/v1/organization/scim-tokens/{scim.TokenId}")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await scim.GetAsync("/Users")).ScimAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_from_its_next_request_and_the_revocation_is_audited()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        await (await scim.GetAsync("/Users")).ScimAsync(HttpStatusCode.OK);

        var revoked = await (await org.Owner.DeleteAsync($"/api/v1/organization/scim-tokens/{scim.TokenId}")).ReadAsync<ScimTokenDto>(HttpStatusCode.OK);
        await (await org.Owner.DeleteAsync($"/api/v1/organization/scim-tokens/{scim.TokenId}")).ShouldBe(HttpStatusCode.OK);

        Assert.NotNull(revoked.RevokedAt);
        var refused = await scim.GetAsync("/Users");
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        await refused.ScimErrorAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(org.Owner.Id, Assert.Single(await org.Owner.AuditAsync("ScimTokenRevoked")).ActorId);
    }

    [Fact]
    public async Task Without_a_provisioning_token_every_SCIM_endpoint_answers_401_in_SCIM_format()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = new ScimClient(app, null);
        using var unknown = new ScimClient(app, Guid.NewGuid().ToString("N"));
        using var session = new ScimClient(app, org.Owner.Token);   // a person's session is not a provisioning token

        foreach (var client in new[] { anonymous, unknown, session })
        {
            foreach (var path in Paths.Append($"/Users/{org.Owner.Id}"))
                await (await client.GetAsync(path)).ScimErrorAsync(HttpStatusCode.Unauthorized);
            await (await client.PostAsync("/Users", new { schemas = new[] { UserSchema }, userName = $"x@{org.Domain}" })).ScimErrorAsync(HttpStatusCode.Unauthorized);
            await (await client.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "replace", path = "active", value = false }))).ScimErrorAsync(HttpStatusCode.Unauthorized);
            await (await client.DeleteAsync($"/Users/{org.Owner.Id}")).ScimErrorAsync(HttpStatusCode.Unauthorized);
        }
        await (await org.Owner.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        Assert.Single(await org.Owner.UsersAsync());
    }

    [Fact]
    public async Task Another_organizations_token_gets_for_its_users_and_groups_the_answer_of_missing_ones_and_changes_nothing()
    {
        var a = await app.OrganizationAsync();
        var b = await app.OrganizationAsync();
        var bob = await a.MemberAsync("Bob");
        using var scimA = await ForAsync(app, a.Owner);
        using var scimB = await ForAsync(app, b.Owner);
        var group = await (await scimA.PostAsync("/Groups", new { schemas = new[] { GroupSchema }, displayName = "A team" })).ScimAsync(HttpStatusCode.Created);
        var before = await (await scimA.GetAsync($"/Users/{bob.Id}")).ScimAsync(HttpStatusCode.OK);

        foreach (var (theirs, missing) in new[] { ($"/Users/{bob.Id}", $"/Users/{Guid.NewGuid()}"), ($"/Groups/{group.Id()}", $"/Groups/{Guid.NewGuid()}") })
        {
            async Task<string> AnswerAsync(Task<HttpResponseMessage> call)
            {
                var error = await (await call).ScimErrorAsync(HttpStatusCode.NotFound);
                return error.ToJsonString();
            }
            var patch = Patch(new { op = "replace", path = "displayName", value = "taken over" });
            Assert.Equal(await AnswerAsync(scimB.GetAsync(missing)), await AnswerAsync(scimB.GetAsync(theirs)));
            Assert.Equal(await AnswerAsync(scimB.PatchAsync(missing, patch)), await AnswerAsync(scimB.PatchAsync(theirs, patch)));
            Assert.Equal(await AnswerAsync(scimB.DeleteAsync(missing)), await AnswerAsync(scimB.DeleteAsync(theirs)));
        }
        var list = await (await scimB.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{bob.Email}\"")}")).ScimAsync(HttpStatusCode.OK);
        var groups = await (await scimB.GetAsync("/Groups")).ScimAsync(HttpStatusCode.OK);

        Assert.Equal(0, list["totalResults"]!.GetValue<int>());
        Assert.Equal(0, groups["totalResults"]!.GetValue<int>());
        Assert.Equal(before.ToJsonString(), (await (await scimA.GetAsync($"/Users/{bob.Id}")).ScimAsync(HttpStatusCode.OK)).ToJsonString());
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        await (await scimA.GetAsync($"/Groups/{group.Id()}")).ScimAsync(HttpStatusCode.OK);
        // B's owner cannot revoke A's token through the normal API either.
        await (await b.Owner.DeleteAsync($"/api/v1/organization/scim-tokens/{scimA.TokenId}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task The_service_provider_describes_itself()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);

        var config = await (await scim.GetAsync("/ServiceProviderConfig")).ScimAsync(HttpStatusCode.OK);
        var types = await (await scim.GetAsync("/ResourceTypes")).ScimAsync(HttpStatusCode.OK);
        var schemas = await (await scim.GetAsync("/Schemas")).ScimAsync(HttpStatusCode.OK);
        var user = await (await scim.GetAsync($"/Schemas/{UserSchema}")).ScimAsync(HttpStatusCode.OK);

        Assert.True(config["patch"]!["supported"]!.GetValue<bool>());
        Assert.True(config["etag"]!["supported"]!.GetValue<bool>());
        Assert.False(config["bulk"]!["supported"]!.GetValue<bool>());
        Assert.Equal("oauthbearertoken", config["authenticationSchemes"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(["User", "Group"], types.Resources().Select(t => t["name"]!.GetValue<string>()));
        Assert.Equal(3, schemas["totalResults"]!.GetValue<int>());
        Assert.Contains(user["attributes"]!.AsArray(), a => a!["name"]!.GetValue<string>() == "userName" && a["uniqueness"]!.GetValue<string>() == "server");
        await (await scim.GetAsync("/Bulk")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.GetAsync("/Schemas/urn:nothing")).ScimErrorAsync(HttpStatusCode.NotFound);
    }
}

public sealed class SqliteScimAuthenticationTests(SqliteApp app) : ScimAuthenticationTests(app);

public sealed class PostgresScimAuthenticationTests : ScimAuthenticationTests
{
    public PostgresScimAuthenticationTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
