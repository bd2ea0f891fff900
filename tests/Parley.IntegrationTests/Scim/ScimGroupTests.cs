using System.Net;
using Parley.IntegrationTests.Infrastructure;
using static Parley.IntegrationTests.Scim.ScimClient;

namespace Parley.IntegrationTests.Scim;

/// <summary>Groups as Okta and Entra ID push them: create, rename, add and remove members in their PATCH forms, delete.</summary>
public abstract class ScimGroupTests(ParleyApp app)
{
    private static object Group(string displayName, params Guid[] members) => new Dictionary<string, object>
    {
        ["schemas"] = new[] { GroupSchema },
        ["displayName"] = displayName,
        ["members"] = members.Select(m => new { value = m.ToString(), display = "someone" }).ToArray(),
    };

    private static List<string> Members(System.Text.Json.Nodes.JsonObject group) =>
        [.. group["members"]!.AsArray().Select(m => m!["value"]!.GetValue<string>()).Order()];

    [Fact]
    public async Task Okta_pushes_a_group_renames_it_and_adds_and_removes_members()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        using var scim = await ForAsync(app, org.Owner, "Okta");

        var group = await (await scim.PostAsync("/Groups", Group("Test SCIMv2"))).ScimAsync(HttpStatusCode.Created);
        var renamed = await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(
            new { op = "replace", value = new { id = group.Id(), displayName = "Buyers" } }))).ScimAsync(HttpStatusCode.OK);
        var added = await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(
            new { op = "add", path = "members", value = new[] { new { value = bob.Id.ToString(), display = bob.Email }, new { value = carol.Id.ToString(), display = carol.Email } } })))
            .ScimAsync(HttpStatusCode.OK);
        var removed = await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(
            new { op = "remove", path = $"members[value eq \"{bob.Id}\"]" }))).ScimAsync(HttpStatusCode.OK);
        var byName = await (await scim.GetAsync($"/Groups?filter={Uri.EscapeDataString("displayName eq \"buyers\"")}&startIndex=1&count=100"))
            .ScimAsync(HttpStatusCode.OK);

        Assert.Equal("Buyers", renamed["displayName"]!.GetValue<string>());
        Assert.Equal(new[] { bob.Id.ToString(), carol.Id.ToString() }.Order(), Members(added));
        Assert.Equal([carol.Id.ToString()], Members(removed));
        Assert.Equal([carol.Id.ToString()], Members(Assert.Single(byName.Resources())));
        var audit = await org.Owner.AuditAsync("GroupChanged");
        Assert.Equal(3, audit.Count);
        Assert.All(audit, a => Assert.Equal(scim.TokenId, a.ActorId));
        Assert.Equal(bob.Id, Assert.Single(audit[0].Data!.Value.GetProperty("details").GetProperty("membersRemoved").EnumerateArray()).GetGuid());
    }

    [Fact]
    public async Task Entra_ID_adds_and_removes_members_with_value_arrays_and_reads_groups_without_members()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        using var scim = await ForAsync(app, org.Owner, "Entra ID");
        var group = await (await scim.PostAsync("/Groups", new Dictionary<string, object>
        {
            ["schemas"] = new[] { GroupSchema }, ["externalId"] = "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", ["displayName"] = "Sales",
            ["meta"] = new { resourceType = "Group" },
        })).ScimAsync(HttpStatusCode.Created);

        await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(
            new { op = "Add", path = "members", value = new[] { new { value = bob.Id.ToString() }, new { value = carol.Id.ToString() } } }))).ScimAsync(HttpStatusCode.OK);
        await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(
            new { op = "Remove", path = "members", value = new[] { new { value = carol.Id.ToString() } } }))).ScimAsync(HttpStatusCode.OK);
        var lean = await (await scim.GetAsync($"/Groups?excludedAttributes=members&filter={Uri.EscapeDataString("displayName eq \"Sales\"")}"))
            .ScimAsync(HttpStatusCode.OK);
        var membership = await (await scim.GetAsync(
            $"/Groups?filter={Uri.EscapeDataString($"id eq \"{group.Id()}\" and members[value eq \"{bob.Id}\"]")}&attributes=id")).ScimAsync(HttpStatusCode.OK);
        var noMembership = await (await scim.GetAsync(
            $"/Groups?filter={Uri.EscapeDataString($"id eq \"{group.Id()}\" and members[value eq \"{carol.Id}\"]")}")).ScimAsync(HttpStatusCode.OK);
        var full = await (await scim.GetAsync($"/Groups/{group.Id()}")).ScimAsync(HttpStatusCode.OK);
        var leanOne = Assert.Single(lean.Resources());

        Assert.Null(leanOne["members"]);
        Assert.Equal("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", leanOne["externalId"]!.GetValue<string>());
        Assert.Equal(full.Version(), leanOne.Version());   // the same version with or without the members shown
        Assert.Equal(1, membership["totalResults"]!.GetValue<int>());
        Assert.Equal(0, noMembership["totalResults"]!.GetValue<int>());
        Assert.Equal([bob.Id.ToString()], Members(full));
    }

    [Fact]
    public async Task Another_organizations_user_cannot_be_made_a_member_and_is_refused_like_a_missing_one()
    {
        var org = await app.OrganizationAsync();
        var other = await app.OrganizationAsync();
        using var scim = await ForAsync(app, org.Owner);
        var group = await (await scim.PostAsync("/Groups", Group("Team"))).ScimAsync(HttpStatusCode.Created);

        var theirs = await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(new { op = "add", path = "members", value = new[] { new { value = other.Owner.Id.ToString() } } })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");
        var missing = Guid.NewGuid();
        var nobody = await (await scim.PatchAsync($"/Groups/{group.Id()}", Patch(new { op = "add", path = "members", value = new[] { new { value = missing.ToString() } } })))
            .ScimErrorAsync(HttpStatusCode.BadRequest, "invalidValue");

        Assert.Equal(nobody["detail"]!.GetValue<string>().Replace(missing.ToString(), "ID"), theirs["detail"]!.GetValue<string>().Replace(other.Owner.Id.ToString(), "ID"));
        Assert.Empty(Members(await (await scim.GetAsync($"/Groups/{group.Id()}")).ScimAsync(HttpStatusCode.OK)));
    }

    [Fact]
    public async Task A_duplicate_displayName_is_a_uniqueness_conflict_and_DELETE_removes_the_group_but_not_its_people()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var scim = await ForAsync(app, org.Owner);
        var group = await (await scim.PostAsync("/Groups", Group("Finance", bob.Id))).ScimAsync(HttpStatusCode.Created);

        await (await scim.PostAsync("/Groups", Group("FINANCE"))).ScimErrorAsync(HttpStatusCode.Conflict, "uniqueness");
        await (await scim.DeleteAsync($"/Groups/{group.Id()}")).ShouldBe(HttpStatusCode.NoContent);

        await (await scim.GetAsync($"/Groups/{group.Id()}")).ScimErrorAsync(HttpStatusCode.NotFound);
        await (await scim.GetAsync($"/Users/{bob.Id}")).ScimAsync(HttpStatusCode.OK);
        Assert.Equal(scim.TokenId, Assert.Single(await org.Owner.AuditAsync("GroupDeleted")).ActorId);
        await (await scim.PostAsync("/Groups", Group("Finance"))).ScimAsync(HttpStatusCode.Created);
    }
}

public sealed class SqliteScimGroupTests(SqliteApp app) : ScimGroupTests(app);

public sealed class PostgresScimGroupTests : ScimGroupTests
{
    public PostgresScimGroupTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
