using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Accounts;

public abstract class PeopleAdminTests(ParleyApp app)
{
    [Fact]
    public async Task Everyone_in_the_organization_is_listed_with_their_role()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var gus = await org.MemberAsync("Gus", "guest");

        var byAlice = await org.Owner.UsersAsync();
        var byBob = await bob.UsersAsync();

        Assert.Equal([("Alice", "owner"), ("Bob", "member"), ("Gus", "guest")], byAlice.Select(u => (u.DisplayName, u.Role)));
        Assert.Equal(byAlice.Select(u => u.Id), byBob.Select(u => u.Id));
        Assert.Contains(byAlice, u => u.Id == gus.Id && u.Email == gus.Email && u.Active);
    }

    [Fact]
    public async Task Promoting_a_member_to_admin_takes_effect_and_is_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await (await bob.PostAsync("/api/v1/users/invites", new { email = $"dan@{org.Domain}" })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");

        var promoted = await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "admin" });

        Assert.Equal("admin", (await promoted.ReadAsync<UserDto>(HttpStatusCode.OK)).Role);
        Assert.Equal("admin", (await bob.MeAsync()).Role);
        await (await bob.PostAsync("/api/v1/users/invites", new { email = $"carol@{org.Domain}" })).ShouldBe(HttpStatusCode.Created);
        var change = Assert.Single(await org.Owner.AuditAsync("UserRoleChanged"));
        Assert.Equal(org.Owner.Id, change.ActorId);
        Assert.Equal(bob.Id.ToString(), change.TargetId);
        Assert.Equal("member", change.Data?.GetProperty("before").GetString());
        Assert.Equal("admin", change.Data?.GetProperty("after").GetString());
    }

    [Fact]
    public async Task Demoting_an_admin_takes_effect_on_their_next_request()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob", "admin");
        await (await bob.PostAsync("/api/v1/users/invites", new { email = $"carol@{org.Domain}" })).ShouldBe(HttpStatusCode.Created);

        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "member" })).ShouldBe(HttpStatusCode.OK);

        await (await bob.PostAsync("/api/v1/users/invites", new { email = $"dan@{org.Domain}" })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.Equal("member", (await bob.MeAsync()).Role);
    }

    [Fact]
    public async Task A_member_cannot_change_roles()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var carol = await org.MemberAsync("Carol");

        var forCarol = await bob.PutAsync($"/api/v1/users/{carol.Id}/role", new { role = "admin" });
        var forHimself = await bob.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "owner" });

        await forCarol.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await forHimself.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.All((await org.Owner.UsersAsync()).Where(u => u.Id != org.Owner.Id), u => Assert.Equal("member", u.Role));
        Assert.Empty(await org.Owner.AuditAsync("UserRoleChanged"));
    }

    [Fact]
    public async Task The_last_owner_cannot_be_demoted()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var alone = await org.Owner.PutAsync($"/api/v1/users/{org.Owner.Id}/role", new { role = "admin" });
        await alone.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "last-owner");
        Assert.Equal("owner", (await org.Owner.MeAsync()).Role);

        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "owner" })).ShouldBe(HttpStatusCode.OK);
        var withBob = await org.Owner.PutAsync($"/api/v1/users/{org.Owner.Id}/role", new { role = "admin" });
        Assert.Equal("admin", (await withBob.ReadAsync<UserDto>(HttpStatusCode.OK)).Role);
    }

    [Fact]
    public async Task Two_owners_demoting_each_other_at_once_leave_one_owner()
    {
        for (var round = 1; round <= 3; round++)
        {
            var org = await app.OrganizationAsync();
            var bob = await org.MemberAsync("Bob", "owner");

            var answers = await Task.WhenAll(
                org.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "member" }),
                bob.PutAsync($"/api/v1/users/{org.Owner.Id}/role", new { role = "member" }));

            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
            Assert.Equal(1, await ActiveOwnersAsync(org));
        }
    }

    [Fact]
    public async Task Two_owners_deactivating_each_other_at_once_leave_one_active_owner()
    {
        for (var round = 1; round <= 3; round++)
        {
            var org = await app.OrganizationAsync();
            var bob = await org.MemberAsync("Bob", "owner");

            var answers = await Task.WhenAll(
                org.Owner.PostAsync($"/api/v1/users/{bob.Id}/deactivate"),
                bob.PostAsync($"/api/v1/users/{org.Owner.Id}/deactivate"));

            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
            Assert.Equal(1, await ActiveOwnersAsync(org));
        }
    }

    [Fact]
    public async Task Deactivating_a_user_ends_every_session_and_blocks_sign_in()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var laptop = await app.SignInAgainAsync(bob, "Firefox on laptop");
        await (await laptop.GetAsync("/api/v1/auth/sessions")).ShouldBe(HttpStatusCode.OK);
        using var anonymous = app.Http();

        var deactivated = await org.Owner.PostAsync($"/api/v1/users/{bob.Id}/deactivate");

        Assert.False((await deactivated.ReadAsync<UserDto>(HttpStatusCode.OK)).Active);
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await laptop.GetAsync("/api/v1/auth/sessions")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.PostLoginAsync(bob.Email, bob.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var audit = Assert.Single(await org.Owner.AuditAsync("UserDeactivated"));
        Assert.Equal(bob.Id.ToString(), audit.TargetId);
        Assert.Equal(2, audit.Data?.GetProperty("sessionsEnded").GetInt32());
        Assert.Contains(await org.Owner.UsersAsync(), u => u.Id == bob.Id && !u.Active);
    }

    [Fact]
    public async Task A_deactivated_users_live_connection_is_closed()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var aliceLive = await app.ConnectAsync(org.Owner);

        await (await org.Owner.PostAsync($"/api/v1/users/{bob.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);

        await bobLive.ShouldBeClosedByServerAsync();
        Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, aliceLive.Hub.State);
    }

    [Fact]
    public async Task A_member_cannot_deactivate_anyone()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var carol = await org.MemberAsync("Carol");

        var response = await bob.PostAsync($"/api/v1/users/{carol.Id}/deactivate");

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await carol.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_guest_sees_only_the_people_they_share_a_conversation_with()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, gus) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Gus", "guest"));
        await org.MemberAsync("Dave");
        await alice.CreateChannelAsync("vendor", "private", gus);

        var before = await gus.UsersAsync();
        await bob.OpenDirectAsync(gus);
        var after = await gus.UsersAsync();

        Assert.Equal(new[] { alice.Id, gus.Id }.Order(), before.Select(u => u.Id).Order());
        Assert.Equal(new[] { alice.Id, bob.Id, gus.Id }.Order(), after.Select(u => u.Id).Order());
        Assert.Equal(4, (await bob.UsersAsync()).Count);
    }

    private Task<int> ActiveOwnersAsync(Org org) =>
        app.WithDbAsync(db => db.Users.CountAsync(u => u.OrganizationId == org.Id && u.Role == OrgRole.Owner && u.DeactivatedAt == null));
}

public sealed class SqlitePeopleAdminTests(SqliteApp app) : PeopleAdminTests(app);

public sealed class PostgresPeopleAdminTests : PeopleAdminTests
{
    public PostgresPeopleAdminTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
