using System.Net;
using System.Text.Json.Nodes;
using Parley.IntegrationTests.Infrastructure;
using static Parley.IntegrationTests.Scim.ScimClient;

namespace Parley.IntegrationTests.Scim;

/// <summary>
/// Users provisioned the way RFC 7644's examples and Microsoft Entra ID's and Okta's published requests do it, over HTTP
/// against the real server.
/// </summary>
public abstract class ScimUserTests(ParleyApp app)
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// <summary>The shape of Entra ID's create request: a userName that is not the email, the email in emails, extensions.</summary>
    private static object EntraUser(string userName, string email, string externalId) => new Dictionary<string, object?>
    {
        ["schemas"] = new[] { UserSchema, Enterprise },
        ["externalId"] = externalId,
        ["userName"] = userName,
        ["active"] = true,
        ["emails"] = new[] { new { primary = true, type = "work", value = email } },
        ["meta"] = new { resourceType = "User" },
        ["name"] = new { formatted = "Nora Quinn", familyName = "Quinn", givenName = "Nora" },
        ["roles"] = Array.Empty<object>(),
        ["title"] = "Buyer",
        [Enterprise] = new { department = "Purchasing", manager = new { value = "boss-id" } },
    };

    /// <summary>The shape of Okta's create request: userName is the email, a password and groups Parley ignores.</summary>
    private static object OktaUser(string email) => new Dictionary<string, object?>
    {
        ["schemas"] = new[] { UserSchema },
        ["userName"] = email,
        ["name"] = new { givenName = "Olga", familyName = "Kat" },
        ["emails"] = new[] { new { primary = true, value = email, type = "work" } },
        ["displayName"] = "Olga Kat",
        ["locale"] = "en-US",
        ["externalId"] = "00ujl29u0le5T6Aj10h7",
        ["groups"] = Array.Empty<object>(),
        ["password"] = "1mz050nq",
        ["active"] = true,
    };

    [Fact]
    public async Task Entra_ID_finds_nobody_creates_the_user_and_then_finds_them_by_userName()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        var userName = $"nora.quinn@{org.Domain}.onmicrosoft.test";
        var email = $"nora@{org.Domain}";

        var before = await (await scim.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{userName}\"")}")).ScimAsync(HttpStatusCode.OK);
        var created = await scim.PostAsync("/Users", EntraUser(userName, email, "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"));
        var user = await created.ScimAsync(HttpStatusCode.Created);
        var found = await (await scim.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{userName.ToUpperInvariant()}\"")}")).ScimAsync(HttpStatusCode.OK);

        Assert.Equal(0, before["totalResults"]!.GetValue<int>());
        Assert.Equal($"{app.BaseAddress.ToString().TrimEnd('/')}/scim/v2/Users/{user.Id()}", created.Headers.Location?.ToString());
        Assert.Equal(created.Headers.ETag?.ToString(), user.Version());
        Assert.Equal(userName, user["userName"]!.GetValue<string>());
        Assert.Equal("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", user["externalId"]!.GetValue<string>());
        Assert.Equal(email, user["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("Nora Quinn", user["displayName"]!.GetValue<string>());
        Assert.Equal("Nora", user["name"]!["givenName"]!.GetValue<string>());
        Assert.True(user["active"]!.GetValue<bool>());
        Assert.Equal(user.Id(), Assert.Single(found.Resources()).Id());
        // The account is a Parley account like any other, a member, known by its email.
        var person = Assert.Single(await org.Owner.UsersAsync(), u => u.Id.ToString() == user.Id());
        Assert.Equal((email, "member", true), (person.Email, person.Role, person.Active));
        var audit = Assert.Single(await org.Owner.AuditAsync("UserProvisioned"));
        Assert.Equal(scim.TokenId, audit.ActorId);
        Assert.Equal(user.Id(), audit.TargetId);
        Assert.Equal("scim", audit.Data?.GetProperty("via").GetString());
    }

    [Fact]
    public async Task Entra_ID_patch_forms_change_the_email_names_and_externalId()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        var user = await (await scim.PostAsync("/Users", EntraUser($"nq@{org.Domain}", $"nora@{org.Domain}", "ext-1"))).ScimAsync(HttpStatusCode.Created);

        var patched = await (await scim.PatchAsync($"/Users/{user.Id()}", Patch(
            new { op = "Replace", path = "emails[type eq \"work\"].value", value = $"nora.quinn@{org.Domain}" },
            new { op = "Replace", path = "name.familyName", value = "Quinn-Lee" },
            new { op = "Add", path = "externalId", value = "ext-2" },
            new { op = "Replace", path = "displayName", value = "Nora Quinn-Lee" },
            new { op = "Replace", path = $"{Enterprise}:department", value = "Sales" },
            new { op = "Add", path = "phoneNumbers[type eq \"work\"].value", value = "+33 1 23 45 67 89" }))).ScimAsync(HttpStatusCode.OK);
        // Entra ID also sends value objects whose keys are paths.
        var again = await (await scim.PatchAsync($"/Users/{user.Id()}", Patch(
            new { op = "Replace", value = new Dictionary<string, object> { ["name.givenName"] = "Eleonora", ["emails[type eq \"work\"].value"] = $"eleonora@{org.Domain}" } })))
            .ScimAsync(HttpStatusCode.OK);

        Assert.Equal($"nora.quinn@{org.Domain}", patched["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("Quinn-Lee", patched["name"]!["familyName"]!.GetValue<string>());
        Assert.Equal("Nora", patched["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal("ext-2", patched["externalId"]!.GetValue<string>());
        Assert.NotEqual(user.Version(), patched.Version());
        Assert.Equal("Eleonora", again["name"]!["givenName"]!.GetValue<string>());
        var person = Assert.Single(await org.Owner.UsersAsync(), u => u.Id.ToString() == user.Id());
        Assert.Equal(($"eleonora@{org.Domain}", "Nora Quinn-Lee"), (person.Email, person.DisplayName));
        var changes = await org.Owner.AuditAsync("UserUpdated");
        Assert.Equal(2, changes.Count);
        Assert.All(changes, c => Assert.Equal(scim.TokenId, c.ActorId));
        Assert.Equal(["externalId", "name", "displayName", "email"], Changed(changes[1]));
        Assert.Equal(["name", "email"], Changed(changes[0]));
    }

    private static IEnumerable<string?> Changed(Parley.Server.Features.AuditLog.AuditEventDto audit) =>
        audit.Data!.Value.GetProperty("details").GetProperty("changed").EnumerateArray().Select(e => e.GetString());

    [Fact]
    public async Task Entra_ID_disabling_with_the_string_False_deactivates_the_account_and_ends_its_sessions()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var scim = await ForAsync(app, org.Owner);
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);

        var disabled = await (await scim.PatchAsync($"/Users/{bob.Id}", Patch(new { op = "Replace", path = "active", value = "False" })))
            .ScimAsync(HttpStatusCode.OK);

        Assert.False(disabled["active"]!.GetValue<bool>());
        Assert.Equal(bob.Email, disabled["userName"]!.GetValue<string>());   // never touched by a directory: its email
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.False(Assert.Single(await org.Owner.UsersAsync(), u => u.Id == bob.Id).Active);
        var audit = Assert.Single(await org.Owner.AuditAsync("UserDeactivated"));
        Assert.Equal(scim.TokenId, audit.ActorId);
        Assert.Equal(1, audit.Data?.GetProperty("details").GetProperty("sessionsEnded").GetInt32());

        var enabled = await (await scim.PatchAsync($"/Users/{bob.Id}", Patch(new { op = "Replace", path = "active", value = "True" })))
            .ScimAsync(HttpStatusCode.OK);
        Assert.True(enabled["active"]!.GetValue<bool>());
        Assert.Single(await org.Owner.AuditAsync("UserReactivated"));
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");   // old sessions stay ended
        await app.LoginAsync(bob.Email, bob.Password);
    }

    [Fact]
    public async Task Okta_creates_with_a_paged_filter_replaces_with_PUT_and_deactivates_with_a_value_object()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner, "Okta");
        var email = $"olga@{org.Domain}";
        var filter = Uri.EscapeDataString($"userName eq \"{email}\"");

        var none = await (await scim.GetAsync($"/Users?filter={filter}&startIndex=1&count=100")).ScimAsync(HttpStatusCode.OK);
        var user = await (await scim.PostAsync("/Users", OktaUser(email))).ScimAsync(HttpStatusCode.Created);
        var one = await (await scim.GetAsync($"/Users?filter={filter}&startIndex=1&count=100")).ScimAsync(HttpStatusCode.OK);
        var read = await (await scim.GetAsync($"/Users/{user.Id()}")).ScimAsync(HttpStatusCode.OK);
        // Okta's PUT sends the whole user back, with its id and meta.
        var whole = read.DeepClone().AsObject();
        whole["name"] = new JsonObject { ["givenName"] = "Olga", ["familyName"] = "Katz" };
        whole["displayName"] = "Olga Katz";
        var replaced = await (await scim.PutAsync($"/Users/{user.Id()}", whole.ToJsonString())).ScimAsync(HttpStatusCode.OK);
        var deactivated = await (await scim.PatchAsync($"/Users/{user.Id()}", Patch(new { op = "replace", value = new { active = false } })))
            .ScimAsync(HttpStatusCode.OK);

        Assert.Equal((0, 1), (none["totalResults"]!.GetValue<int>(), one["totalResults"]!.GetValue<int>()));
        Assert.Equal([ScimClient.ListSchema], one["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal((1, 1), (one["startIndex"]!.GetValue<int>(), one["itemsPerPage"]!.GetValue<int>()));
        Assert.Equal(user.ToJsonString(), read.ToJsonString());
        Assert.Equal("Katz", replaced["name"]!["familyName"]!.GetValue<string>());
        Assert.Equal("Olga Katz", replaced["displayName"]!.GetValue<string>());
        Assert.Equal("00ujl29u0le5T6Aj10h7", replaced["externalId"]!.GetValue<string>());
        Assert.False(deactivated["active"]!.GetValue<bool>());
        await (await scim.GetAsync($"/Users/{user.Id()}")).ScimAsync(HttpStatusCode.OK);   // deactivated, still there
    }

    [Fact]
    public async Task The_filters_directories_use_find_by_externalId_and_work_email()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        var user = await (await scim.PostAsync("/Users", EntraUser($"upn-1@{org.Domain}", $"first@{org.Domain}", "EXT-A"))).ScimAsync(HttpStatusCode.Created);
        await (await scim.PostAsync("/Users", EntraUser($"upn-2@{org.Domain}", $"second@{org.Domain}", "EXT-B"))).ScimAsync(HttpStatusCode.Created);

        async Task<List<string>> FindAsync(string filter) =>
            [.. (await (await scim.GetAsync($"/Users?filter={Uri.EscapeDataString(filter)}")).ScimAsync(HttpStatusCode.OK)).Resources().Select(r => r.Id())];

        Assert.Equal([user.Id()], await FindAsync("externalId eq \"EXT-A\""));
        Assert.Empty(await FindAsync("externalId eq \"ext-a\""));   // externalId is caseExact
        Assert.Equal([user.Id()], await FindAsync($"emails[type eq \"work\"].value eq \"FIRST@{org.Domain}\""));
        Assert.Equal([user.Id()], await FindAsync($"emails.value eq \"first@{org.Domain}\""));
        Assert.Equal([user.Id()], await FindAsync($"userName eq \"upn-1@{org.Domain}\" and active eq true"));
        Assert.Empty(await FindAsync($"emails[type eq \"home\"].value eq \"first@{org.Domain}\""));
        Assert.Equal([user.Id()], await FindAsync($"urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"upn-1@{org.Domain}\""));
    }

    [Fact]
    public async Task Pages_follow_startIndex_and_count_and_out_of_range_values_are_read_as_RFC_7644_says()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        for (var i = 0; i < 4; i++)
            await (await scim.PostAsync("/Users", OktaUser($"p{i}@{org.Domain}"))).ScimAsync(HttpStatusCode.Created);
        var all = await (await scim.GetAsync("/Users")).ScimAsync(HttpStatusCode.OK);   // Alice and the four

        var second = await (await scim.GetAsync("/Users?startIndex=2&count=2")).ScimAsync(HttpStatusCode.OK);
        var negative = await (await scim.GetAsync("/Users?startIndex=-5&count=1")).ScimAsync(HttpStatusCode.OK);
        var huge = await (await scim.GetAsync("/Users?count=99999999999999999999999")).ScimAsync(HttpStatusCode.OK);
        var none = await (await scim.GetAsync("/Users?count=-3")).ScimAsync(HttpStatusCode.OK);
        var beyond = await (await scim.GetAsync("/Users?startIndex=2147483647")).ScimAsync(HttpStatusCode.OK);

        Assert.Equal(5, all["totalResults"]!.GetValue<int>());
        var ids = all.Resources().Select(r => r.Id()).ToList();
        Assert.Equal(ids[1..3], second.Resources().Select(r => r.Id()));
        Assert.Equal((2, 5), (second["startIndex"]!.GetValue<int>(), second["totalResults"]!.GetValue<int>()));
        Assert.Equal((1, ids[0]), (negative["startIndex"]!.GetValue<int>(), Assert.Single(negative.Resources()).Id()));
        Assert.Equal(5, huge.Resources().Count);
        Assert.Equal((0, 5), (none.Resources().Count, none["totalResults"]!.GetValue<int>()));
        Assert.Empty(beyond.Resources());
        await (await scim.GetAsync("/Users?count=ten")).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
    }

    [Fact]
    public async Task If_Match_with_an_old_version_is_refused_and_changes_nothing()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        var user = await (await scim.PostAsync("/Users", OktaUser($"etag@{org.Domain}"))).ScimAsync(HttpStatusCode.Created);
        var renamed = await (await scim.PatchAsync($"/Users/{user.Id()}", Patch(new { op = "replace", path = "displayName", value = "First" }), user.Version()))
            .ScimAsync(HttpStatusCode.OK);

        var stale = await scim.PatchAsync($"/Users/{user.Id()}", Patch(new { op = "replace", path = "displayName", value = "Second" }), user.Version());
        var stalePut = await scim.PutAsync($"/Users/{user.Id()}", OktaUser($"etag@{org.Domain}"), user.Version());

        await stale.ScimErrorAsync(HttpStatusCode.PreconditionFailed);
        await stalePut.ScimErrorAsync(HttpStatusCode.PreconditionFailed);
        var now = await (await scim.GetAsync($"/Users/{user.Id()}")).ScimAsync(HttpStatusCode.OK);
        Assert.Equal(("First", renamed.Version()), (now["displayName"]!.GetValue<string>(), now.Version()));
        await (await scim.PatchAsync($"/Users/{user.Id()}", Patch(new { op = "replace", path = "displayName", value = "Third" }), renamed.Version()))
            .ScimAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DELETE_deactivates_then_the_user_is_gone_for_SCIM_and_creating_them_again_brings_the_account_back()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var scim = await ForAsync(app, org.Owner);

        await (await scim.DeleteAsync($"/Users/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);

        await (await scim.GetAsync($"/Users/{bob.Id}")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.DeleteAsync($"/Users/{bob.Id}")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        var kept = Assert.Single(await org.Owner.UsersAsync(), u => u.Id == bob.Id);
        Assert.False(kept.Active);
        Assert.Equal(scim.TokenId, Assert.Single(await org.Owner.AuditAsync("UserDeactivated")).ActorId);

        var back = await (await scim.PostAsync("/Users", OktaUser(bob.Email))).ScimAsync(HttpStatusCode.Created);
        Assert.Equal(bob.Id.ToString(), back.Id());
        Assert.True(back["active"]!.GetValue<bool>());
        Assert.True(Assert.Single(await org.Owner.UsersAsync(), u => u.Id == bob.Id).Active);
    }

    [Fact]
    public async Task The_last_active_owner_cannot_be_deactivated_by_the_directory()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);

        var refused = await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "replace", path = "active", value = false }));

        await refused.ScimErrorAsync(HttpStatusCode.BadRequest, "mutability");
        await (await org.Owner.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        Assert.Empty(await org.Owner.AuditAsync("UserDeactivated"));
    }
}

public sealed class SqliteScimUserTests(SqliteApp app) : ScimUserTests(app);

public sealed class PostgresScimUserTests : ScimUserTests
{
    public PostgresScimUserTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
