using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Governance;

namespace Parley.IntegrationTests.Governance;

/// <summary>A server with the deployment's own session limits (long) and a clock the tests move.</summary>
public abstract class GovernanceApp : ParleyApp
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public sealed class SqliteGovernanceApp : GovernanceApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-governance-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresGovernanceApp : GovernanceApp
{
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}

public abstract class UnitTests(GovernanceApp app)
{
    [Fact]
    public async Task An_admin_builds_a_tree_of_units_and_every_change_is_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var sales = await CreateAsync(org.Owner, "Sales");
        var emea = await CreateAsync(org.Owner, "EMEA", sales.Id);
        await (await org.Owner.PatchAsync($"/api/v1/units/{emea.Id}", new { name = "Europe" })).ShouldBe(HttpStatusCode.OK);
        var listed = await bob.GetOkAsync<List<UnitDto>>("/api/v1/units");

        Assert.Equal([("Europe", (Guid?)sales.Id), ("Sales", null)], listed.Select(u => (u.Name, u.ParentId)));
        Assert.Equal(2, (await org.Owner.AuditAsync("UnitCreated")).Count);
        var renamed = Assert.Single(await org.Owner.AuditAsync("UnitChanged"));
        Assert.Equal("EMEA", renamed.Data?.GetProperty("before").GetProperty("name").GetString());
        await (await bob.PostAsync("/api/v1/units", new { name = "Mine" })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
    }

    [Fact]
    public async Task A_unit_cannot_move_under_itself_or_below_itself()
    {
        var org = await app.OrganizationAsync();
        var top = await CreateAsync(org.Owner, "Top");
        var middle = await CreateAsync(org.Owner, "Middle", top.Id);
        var bottom = await CreateAsync(org.Owner, "Bottom", middle.Id);

        var underItself = await org.Owner.PatchAsync($"/api/v1/units/{top.Id}", new { parentId = top.Id, move = true });
        var underBelow = await org.Owner.PatchAsync($"/api/v1/units/{top.Id}", new { parentId = bottom.Id, move = true });
        var toTheTop = await org.Owner.PatchAsync($"/api/v1/units/{bottom.Id}", new { parentId = (Guid?)null, move = true });

        await underItself.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "unit-cycle");
        await underBelow.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "unit-cycle");
        Assert.Null((await toTheTop.ReadAsync<UnitDto>(HttpStatusCode.OK)).ParentId);
        Assert.Null((await org.Owner.GetOkAsync<List<UnitDto>>("/api/v1/units")).Single(u => u.Id == top.Id).ParentId);
        Assert.Single(await org.Owner.AuditAsync("UnitChanged"));
    }

    [Fact]
    public async Task Only_an_empty_unit_can_be_deleted()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var sales = await CreateAsync(org.Owner, "Sales");
        var emea = await CreateAsync(org.Owner, "EMEA", sales.Id);
        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { unitId = emea.Id })).ShouldBe(HttpStatusCode.OK);

        await (await org.Owner.DeleteAsync($"/api/v1/units/{sales.Id}")).ShouldBeProblem(HttpStatusCode.Conflict, "unit-not-empty");
        await (await org.Owner.DeleteAsync($"/api/v1/units/{emea.Id}")).ShouldBeProblem(HttpStatusCode.Conflict, "unit-not-empty");
        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { unitId = (Guid?)null })).ShouldBe(HttpStatusCode.OK);
        await (await org.Owner.DeleteAsync($"/api/v1/units/{emea.Id}")).ShouldBe(HttpStatusCode.NoContent);
        await (await org.Owner.DeleteAsync($"/api/v1/units/{sales.Id}")).ShouldBe(HttpStatusCode.NoContent);

        Assert.Empty(await org.Owner.GetOkAsync<List<UnitDto>>("/api/v1/units"));
        Assert.Equal(2, (await org.Owner.AuditAsync("UnitDeleted")).Count);
    }

    [Fact]
    public async Task A_loop_of_managers_and_a_deactivated_manager_are_refused()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, dave) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"));
        await (await org.Owner.PutAsync($"/api/v1/users/{carol.Id}/placement", new { managerId = bob.Id })).ShouldBe(HttpStatusCode.OK);
        await (await org.Owner.PutAsync($"/api/v1/users/{dave.Id}/placement", new { managerId = carol.Id })).ShouldBe(HttpStatusCode.OK);

        var loop = await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { managerId = dave.Id });
        var self = await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { managerId = bob.Id });
        await (await org.Owner.PostAsync($"/api/v1/users/{dave.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);
        var inactive = await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { managerId = dave.Id });
        var unknown = await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { managerId = Guid.NewGuid() });

        await loop.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "manager-loop");
        await self.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "manager-loop");
        await inactive.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "manager-inactive");
        await unknown.ShouldBeProblem(HttpStatusCode.BadRequest, "manager-unknown");
        Assert.Equal(2, (await org.Owner.AuditAsync("PersonPlaced")).Count);
    }

    [Fact]
    public async Task A_manager_sees_the_people_of_their_unit_and_below_and_no_other()
    {
        var org = await app.OrganizationAsync();
        var (mona, bob, carol, erin) = (await org.MemberAsync("Mona", "manager"), await org.MemberAsync("Bob"),
            await org.MemberAsync("Carol"), await org.MemberAsync("Erin"));
        var sales = await CreateAsync(org.Owner, "Sales");
        var emea = await CreateAsync(org.Owner, "EMEA", sales.Id);
        var support = await CreateAsync(org.Owner, "Support");
        await PlaceAsync(org.Owner, mona, sales.Id, null);
        await PlaceAsync(org.Owner, bob, sales.Id, mona.Id);
        await PlaceAsync(org.Owner, carol, emea.Id, mona.Id);
        await PlaceAsync(org.Owner, erin, support.Id, null);

        var people = await mona.GetOkAsync<List<PlacementDto>>($"/api/v1/units/{sales.Id}/people");
        var elsewhere = await mona.GetAsync($"/api/v1/units/{support.Id}/people");
        var byMember = await bob.GetAsync($"/api/v1/units/{sales.Id}/people");
        var byAdmin = await org.Owner.GetOkAsync<List<PlacementDto>>($"/api/v1/units/{support.Id}/people");

        Assert.Equal(["Bob", "Carol", "Mona"], people.Select(p => p.DisplayName));
        Assert.Equal(mona.Id, people.Single(p => p.UserId == carol.Id).ManagerId);
        await elsewhere.ShouldBeProblem(HttpStatusCode.Forbidden, "unit-people-restricted");
        await byMember.ShouldBeProblem(HttpStatusCode.Forbidden, "unit-people-restricted");
        Assert.Equal([erin.Id], byAdmin.Select(p => p.UserId));
    }

    [Fact]
    public async Task Another_organizations_units_look_like_units_that_do_not_exist()
    {
        var org = await app.OrganizationAsync();
        var other = await app.OrganizationAsync();
        var theirs = await CreateAsync(other.Owner, "Theirs");
        var bob = await org.MemberAsync("Bob");

        foreach (var unitId in new[] { theirs.Id, Guid.NewGuid() })
        {
            await (await org.Owner.PatchAsync($"/api/v1/units/{unitId}", new { name = "Mine" })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await org.Owner.DeleteAsync($"/api/v1/units/{unitId}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await org.Owner.GetAsync($"/api/v1/units/{unitId}/people")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await org.Owner.PostAsync("/api/v1/units", new { name = "Child", parentId = unitId })).ShouldBeProblem(HttpStatusCode.BadRequest, "unit-unknown");
            await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { unitId })).ShouldBeProblem(HttpStatusCode.BadRequest, "unit-unknown");
        }
        await (await org.Owner.PutAsync($"/api/v1/users/{other.Owner.Id}/placement", new { })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/placement", new { managerId = other.Owner.Id }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "manager-unknown");
        Assert.Equal("Theirs", Assert.Single(await other.Owner.GetOkAsync<List<UnitDto>>("/api/v1/units")).Name);
    }

    [Fact]
    public async Task A_guest_does_not_see_units()
    {
        var org = await app.OrganizationAsync();
        var gus = await org.MemberAsync("Gus", "guest");
        var sales = await CreateAsync(org.Owner, "Sales");

        await (await gus.GetAsync("/api/v1/units")).ShouldBeProblem(HttpStatusCode.Forbidden, "people-restricted");
        await (await gus.GetAsync($"/api/v1/units/{sales.Id}/people")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_unit_channel_follows_the_people_placed_in_the_unit_and_the_record_says_so()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, gus) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Gus", "guest"));
        var sales = await CreateAsync(org.Owner, "Sales");
        var support = await CreateAsync(org.Owner, "Support");
        await PlaceAsync(org.Owner, bob, sales.Id, null);
        await using var carolLive = await app.ConnectAsync(carol);

        var created = await (await org.Owner.PostAsync($"/api/v1/units/{sales.Id}/channel")).ReadAsync<UnitDto>(HttpStatusCode.Created);
        var again = await org.Owner.PostAsync($"/api/v1/units/{sales.Id}/channel");
        var channelId = created.ChannelId!.Value;
        await PlaceAsync(org.Owner, carol, sales.Id, null);
        await carolLive.NextAsync<Parley.Server.Realtime.MembershipChangedDto>(nameof(Parley.Server.Realtime.IParleyClient.MembershipChanged));
        await PlaceAsync(org.Owner, gus, sales.Id, null);
        await PlaceAsync(org.Owner, bob, support.Id, null);

        await again.ShouldBeProblem(HttpStatusCode.Conflict, "unit-channel-exists");
        var channel = await org.Owner.ConversationAsync(channelId);
        Assert.Equal("Sales", channel.Name);
        var members = await org.Owner.GetOkAsync<List<Parley.Server.Features.Conversations.MemberDto>>($"/api/v1/conversations/{channelId}/members");
        Assert.Equal([("Alice", "owner"), ("Carol", "member")], members.Select(m => (m.DisplayName, m.Role)).Order());
        await (await bob.GetAsync($"/api/v1/conversations/{channelId}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await gus.GetAsync($"/api/v1/conversations/{channelId}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.NotNull((await org.Owner.GetOkAsync<List<UnitDto>>("/api/v1/units")).Single(u => u.Id == sales.Id).ChannelId);
        Assert.Single(await org.Owner.AuditAsync("UnitChannelCreated"));
        Assert.True((await org.Owner.IntegrityAsync()).Intact);
    }

    private static async Task<UnitDto> CreateAsync(Actor admin, string name, Guid? parentId = null) =>
        await (await admin.PostAsync("/api/v1/units", new { name, parentId })).ReadAsync<UnitDto>(HttpStatusCode.Created);

    private static async Task PlaceAsync(Actor admin, Actor person, Guid? unitId, Guid? managerId) =>
        await (await admin.PutAsync($"/api/v1/users/{person.Id}/placement", new { unitId, managerId })).ShouldBe(HttpStatusCode.OK);
}

public sealed class SqliteUnitTests(SqliteGovernanceApp app) : UnitTests(app), IClassFixture<SqliteGovernanceApp>;

public sealed class PostgresUnitTests : UnitTests, IClassFixture<PostgresGovernanceApp>
{
    public PostgresUnitTests(PostgresGovernanceApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
