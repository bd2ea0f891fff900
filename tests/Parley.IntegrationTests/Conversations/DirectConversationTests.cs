using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Conversations;

public abstract class DirectConversationTests(ParleyApp app)
{
    [Fact]
    public async Task Opening_a_direct_conversation_twice_returns_the_same_one()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var first = await alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id } });
        var created = await first.ReadAsync<ConversationDto>(HttpStatusCode.Created);
        var added = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        var again = await (await alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id, bob.Id } }))
            .ReadAsync<ConversationDto>(HttpStatusCode.OK);
        var fromBob = await (await bob.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { alice.Id } }))
            .ReadAsync<ConversationDto>(HttpStatusCode.OK);

        Assert.Equal(("direct", (string?)null), (created.Kind, created.Name));
        Assert.Equal([alice.Id, bob.Id], created.MemberIds!.Order());
        Assert.Equal((created.Id, bob.Id, "added"), (added.ConversationId, added.UserId, added.Change));
        Assert.Equal(created.Id, again.Id);
        Assert.Equal(created.Id, fromBob.Id);
        await bobLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        await (await mallory.GetAsync($"/api/v1/conversations/{created.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_group_of_three_is_one_conversation_for_all_of_them()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Mallory"));
        await using var bobLive = await app.ConnectAsync(bob);
        await using var carolLive = await app.ConnectAsync(carol);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var group = await (await alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id, carol.Id } }))
            .ReadAsync<ConversationDto>(HttpStatusCode.Created);
        var sameFromCarol = await (await carol.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id, alice.Id } }))
            .ReadAsync<ConversationDto>(HttpStatusCode.OK);
        var sent = await alice.SendAsync(group.Id, "lunch?");

        Assert.Equal("group", group.Kind);
        Assert.Equal(new[] { alice.Id, bob.Id, carol.Id }.Order(), group.MemberIds!.Order());
        Assert.Equal(group.Id, sameFromCarol.Id);
        Assert.Equal(group.Id, (await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).ConversationId);
        Assert.Equal(group.Id, (await carolLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).ConversationId);
        Assert.Equal("lunch?", (await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id)).Content);
        Assert.Equal("lunch?", (await carolLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id)).Content);
        await malloryLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task A_direct_conversation_cannot_be_left()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var direct = await alice.OpenDirectAsync(bob);
        await using var aliceLive = await app.ConnectAsync(alice);

        var response = await bob.PostAsync($"/api/v1/conversations/{direct.Id}/leave");

        await response.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "cannot-leave-direct");
        Assert.True((await bob.ConversationAsync(direct.Id)).IsMember);
        await aliceLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task A_person_from_another_organization_or_an_unknown_id_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var stranger = (await app.OrganizationAsync()).Owner;
        await using var strangerLive = await app.ConnectAsync(stranger);

        var foreign = await alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { stranger.Id } });
        var unknown = await alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id, Guid.NewGuid() } });
        var self = await alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { alice.Id } });

        await foreign.ShouldBeProblem(HttpStatusCode.BadRequest, "member-unknown");
        await unknown.ShouldBeProblem(HttpStatusCode.BadRequest, "member-unknown");
        await self.ShouldBeProblem(HttpStatusCode.BadRequest, "member-unknown");
        Assert.Empty(await alice.ConversationsAsync());
        Assert.Empty(await stranger.ConversationsAsync());
        await strangerLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Opening_the_same_direct_conversation_many_times_at_once_gives_everyone_the_same_one()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        await using var bobLive = await app.ConnectAsync(bob);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? alice.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id } })
            : bob.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { alice.Id } })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var ids = new List<long>();
        foreach (var response in responses)
            ids.Add((await response.ReadAsync<ConversationDto>(response.StatusCode)).Id);
        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], Assert.Single(await bob.ConversationsAsync()).Id);
    }

    [Fact]
    public async Task A_guest_writes_directly_only_to_people_they_already_share_a_conversation_with()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, gus) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Gus", "guest"));
        await alice.CreateChannelAsync("project", "private", gus);

        var toAlice = await gus.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { alice.Id } });
        var toBob = await gus.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id } });

        await toAlice.ShouldBe(HttpStatusCode.Created);
        await toBob.ShouldBeProblem(HttpStatusCode.BadRequest, "member-unknown");
    }
}

public sealed class SqliteDirectConversationTests(SqliteApp app) : DirectConversationTests(app);

public sealed class PostgresDirectConversationTests : DirectConversationTests
{
    public PostgresDirectConversationTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
