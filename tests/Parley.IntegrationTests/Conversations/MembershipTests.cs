using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Conversations;

public abstract class MembershipTests(ParleyApp app)
{
    [Fact]
    public async Task The_owner_adds_a_moderator_who_is_told_and_an_outsider_is_not()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("hiring", "private");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var added = await (await alice.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = bob.Id, role = "moderator" }))
            .ReadAsync<MemberDto>(HttpStatusCode.OK);

        Assert.Equal((bob.Id, "moderator"), (added.UserId, added.Role));
        var change = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((channel.Id, bob.Id, "added", "moderator", alice.Id), (change.ConversationId, change.UserId, change.Change, change.Role, change.ByUserId));
        Assert.Equal("moderator", (await bob.ConversationAsync(channel.Id)).MyRole);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Adding_someone_from_another_organization_or_with_an_unknown_role_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var stranger = (await app.OrganizationAsync()).Owner;
        var channel = await alice.CreateChannelAsync("hiring", "private");
        await using var strangerLive = await app.ConnectAsync(stranger);

        var foreign = await alice.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = stranger.Id });
        var badRole = await alice.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = bob.Id, role = "king" });

        await foreign.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await badRole.ShouldBeProblem(HttpStatusCode.BadRequest, "role-invalid");
        Assert.Equal([alice.Id], (await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members")).Select(m => m.UserId));
        await strangerLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task A_moderator_manages_members_but_cannot_make_or_remove_an_owner()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, dave, mallory) =
            (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("support", "private", carol);
        await (await alice.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = bob.Id, role = "moderator" })).ShouldBe(HttpStatusCode.OK);
        await using var carolLive = await app.ConnectAsync(carol);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var promote = await bob.PutAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}/role", new { role = "owner" });
        var addOwner = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = dave.Id, role = "owner" });
        var removeOwner = await bob.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{alice.Id}");
        var demoteOwner = await bob.PutAsync($"/api/v1/conversations/{channel.Id}/members/{alice.Id}/role", new { role = "member" });
        var moderator = await bob.PutAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}/role", new { role = "moderator" });

        await promote.ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        await addOwner.ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        await removeOwner.ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        await demoteOwner.ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        Assert.Equal("moderator", (await moderator.ReadAsync<MemberDto>(HttpStatusCode.OK)).Role);
        var change = await carolLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((carol.Id, "role", "moderator", bob.Id), (change.UserId, change.Change, change.Role, change.ByUserId));
        var roles = (await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members")).ToDictionary(m => m.UserId, m => m.Role);
        Assert.Equal(new Dictionary<Guid, string> { [alice.Id] = "owner", [bob.Id] = "moderator", [carol.Id] = "moderator" }, roles);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task The_owner_makes_a_member_an_owner_and_every_member_is_told()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("finance", "private", bob, carol);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var carolLive = await app.ConnectAsync(carol);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var response = await alice.PutAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}/role", new { role = "owner" });

        Assert.Equal("owner", (await response.ReadAsync<MemberDto>(HttpStatusCode.OK)).Role);
        Assert.Equal("owner", (await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).Role);
        Assert.Equal(bob.Id, (await carolLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).UserId);
        Assert.Equal("owner", (await bob.ConversationAsync(channel.Id)).MyRole);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task A_plain_member_cannot_add_remove_or_change_anyones_role()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, dave) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"));
        var channel = await alice.CreateChannelAsync("legal", "private", bob, carol);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var daveLive = await app.ConnectAsync(dave);

        var add = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = dave.Id });
        var remove = await bob.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}");
        var role = await bob.PutAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}/role", new { role = "moderator" });

        await add.ShouldBeProblem(HttpStatusCode.Forbidden, "not-conversation-manager");
        await remove.ShouldBeProblem(HttpStatusCode.Forbidden, "not-conversation-manager");
        await role.ShouldBeProblem(HttpStatusCode.Forbidden, "not-conversation-manager");
        Assert.Equal(3, (await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members")).Count);
        await daveLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        await aliceLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Bob_once_removed_is_told_then_receives_nothing_more_and_no_longer_sees_the_private_channel()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("reorg", "private", bob, carol);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var carolLive = await app.ConnectAsync(carol);
        await using var malloryLive = await app.ConnectAsync(mallory);

        await (await alice.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);

        var removed = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((channel.Id, bob.Id, "removed", alice.Id), (removed.ConversationId, removed.UserId, removed.Change, removed.ByUserId));
        Assert.Equal(bob.Id, (await carolLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).UserId);
        var sent = await alice.SendAsync(channel.Id, "now that Bob is gone");
        await carolLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);
        await bobLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
        await (await bob.GetAsync($"/api/v1/conversations/{channel.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await bob.GetAsync($"/api/v1/conversations/{channel.Id}/messages")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/messages", new { content = "let me back", clientMessageId = Guid.NewGuid() }))
            .ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await alice.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }
}

public sealed class SqliteMembershipTests(SqliteApp app) : MembershipTests(app);

public sealed class PostgresMembershipTests : MembershipTests
{
    public PostgresMembershipTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
