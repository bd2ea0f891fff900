using System.Net;
using Parley.IntegrationTests.Infrastructure;
using static Parley.IntegrationTests.Scim.ScimClient;

namespace Parley.IntegrationTests.Scim;

/// <summary>Bad requests get a SCIM error with the right status and scimType, never a 500, and change nothing.</summary>
public abstract class ScimBadInputTests(ParleyApp app)
{
    private static object User(string userName, string? email = null) => new Dictionary<string, object?>
    {
        ["schemas"] = new[] { UserSchema },
        ["userName"] = userName,
        ["emails"] = email is null ? null : new[] { new { type = "work", value = email, primary = true } },
    };

    [Fact]
    public async Task Malformed_JSON_and_bodies_of_the_wrong_shape_are_invalidSyntax()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        string[] bodies = ["", "{", "[1,", "{\"a\":}", "null", "[]", "42", "{'a': 1}", new string('[', 5000) + new string(']', 5000)];

        foreach (var body in bodies)
        {
            await (await scim.SendAsync(HttpMethod.Post, "/Users", body)).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
            await (await scim.SendAsync(HttpMethod.Patch, $"/Users/{org.Owner.Id}", body)).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
            await (await scim.SendAsync(HttpMethod.Post, "/Groups", body)).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
        }
        await (await scim.PostAsync("/Users", new { userName = $"no-schemas@{org.Domain}" })).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", new { Operations = new[] { new { op = "replace", path = "active", value = false } } }))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "move", path = "active", value = false })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "remove" }))).ScimErrorAsync(HttpStatusCode.BadRequest, "noTarget");
        Assert.Single(await org.Owner.UsersAsync());
    }

    [Fact]
    public async Task Unknown_attributes_are_refused_and_wrong_types_are_invalid_values()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        var unknown = new Dictionary<string, object> { ["schemas"] = new[] { UserSchema }, ["userName"] = $"u@{org.Domain}", ["favouriteColour"] = "blue" };

        await (await scim.PostAsync("/Users", unknown)).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
        await (await scim.PostAsync("/Users", new { schemas = new[] { UserSchema, "urn:example:not:a:schema" }, userName = $"u@{org.Domain}" }))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidSyntax");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "replace", path = "favouriteColour", value = "blue" })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidPath");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "replace", path = "name.nickname", value = "x" })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidPath");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "replace", path = "active", value = "perhaps" })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "replace", path = "displayName", value = 42 })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PatchAsync($"/Users/{org.Owner.Id}", Patch(new { op = "remove", path = "emails[type eq \"work\"].value" })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PostAsync("/Users", User("not-an-address"))).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PostAsync("/Users", User($"u@{org.Domain}", "nope"))).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PostAsync("/Users", User(new string('x', 300) + "@example.test"))).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PostAsync("/Users", User("a\u0000b@example.test"))).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        await (await scim.PostAsync("/Users", new { schemas = new[] { UserSchema }, userName = $"nul@{org.Domain}", externalId = "a\u0000b" }))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        Assert.Single(await org.Owner.UsersAsync());
        Assert.Empty(await org.Owner.AuditAsync("UserUpdated"));
    }

    [Fact]
    public async Task Bad_filters_are_invalidFilter()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        string[] filters =
        [
            "userName", "userName eq", "userName eq unquoted", "userName eq \"open", "userName co \"a\"", "userName eq \"a\" or userName eq \"b\"",
            "not (userName eq \"a\")", "(userName eq \"a\"", "emails[type eq \"work\".value eq \"a\"", "password eq \"secret\"", "userName eq \"a\" and",
            "\"a\" eq userName", "userName eq \"\\q\"", "userName eq \"a\\u0000b\"", "externalId eq \"\\ud800\"", new string('(', 50) + "userName eq \"a\"" + new string(')', 50), new string('a', 3000),
        ];

        foreach (var filter in filters)
            await (await scim.GetAsync($"/Users?filter={Uri.EscapeDataString(filter)}")).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidFilter");
        await (await scim.GetAsync($"/Groups?filter={Uri.EscapeDataString("members co \"x\"")}")).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidFilter");
        await (await scim.GetAsync($"/Groups?filter={Uri.EscapeDataString("title eq \"x\"")}")).ScimErrorAsync(HttpStatusCode.BadRequest, "invalidFilter");
    }

    [Fact]
    public async Task A_duplicate_userName_or_email_is_a_409_uniqueness_conflict_and_creates_nobody()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var scim = await ForAsync(app, org.Owner);
        var first = await (await scim.PostAsync("/Users", User($"upn@{org.Domain}", $"first@{org.Domain}"))).ScimAsync(HttpStatusCode.Created);

        await (await scim.PostAsync("/Users", User($"UPN@{org.Domain}", $"second@{org.Domain}"))).ScimErrorAsync(HttpStatusCode.Conflict, "uniqueness");
        await (await scim.PostAsync("/Users", User($"other@{org.Domain}", $"FIRST@{org.Domain}"))).ScimErrorAsync(HttpStatusCode.Conflict, "uniqueness");
        await (await scim.PostAsync("/Users", User(bob.Email))).ScimErrorAsync(HttpStatusCode.Conflict, "uniqueness");
        await (await scim.PatchAsync($"/Users/{first.Id()}", Patch(new { op = "replace", path = "userName", value = bob.Email })))
            .ScimErrorAsync(HttpStatusCode.Conflict, "uniqueness");

        Assert.Equal(3, (await org.Owner.UsersAsync()).Count);
        Assert.Single(await org.Owner.AuditAsync("UserProvisioned"));
        // The same address in another organization is no conflict: each organization owns its accounts.
        var other = await app.OrganizationAsync();
        using var otherScim = await ForAsync(app, other.Owner);
        await (await otherScim.PostAsync("/Users", User($"upn@{org.Domain}", $"first@{org.Domain}"))).ScimAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Of_two_directories_creating_the_same_person_at_once_one_gets_the_account_and_the_other_a_conflict()
    {
        var org = await app.OrganizationAsync();
        using var first = await ForAsync(app, org.Owner, "Entra ID");
        using var second = await ForAsync(app, org.Owner, "Okta");

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            (i % 2 == 0 ? first : second).PostAsync("/Users", User($"same@{org.Domain}"))));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var conflict in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            await conflict.ScimErrorAsync(HttpStatusCode.Conflict, "uniqueness");
        Assert.Equal(2, (await org.Owner.UsersAsync()).Count);
        Assert.Single(await org.Owner.AuditAsync("UserProvisioned"));
    }

    [Fact]
    public async Task Ids_that_are_not_ids_and_unknown_resources_are_404()
    {
        var org = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);

        await (await scim.GetAsync("/Users/not-a-guid")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.GetAsync($"/Users/{Guid.NewGuid()}")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.PutAsync("/Users/%27%3B%20DROP", User($"x@{org.Domain}"))).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.GetAsync("/Me")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.SendAsync(HttpMethod.Post, $"/Users/{org.Owner.Id}", "{}")).ScimErrorAsync(HttpStatusCode.NotFound);
    }
}

public sealed class SqliteScimBadInputTests(SqliteApp app) : ScimBadInputTests(app);

public sealed class PostgresScimBadInputTests : ScimBadInputTests
{
    public PostgresScimBadInputTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
