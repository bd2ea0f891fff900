using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Conversations;

public abstract class ChannelAccessTests(ParleyApp app)
{
    [Fact]
    public async Task A_member_joins_a_public_channel_and_its_members_are_told()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("random");
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var joined = await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/join")).ReadAsync<ConversationDto>(HttpStatusCode.OK);

        Assert.Equal((true, "member"), (joined.IsMember, joined.MyRole));
        var change = await aliceLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((channel.Id, bob.Id, "added", bob.Id), (change.ConversationId, change.UserId, change.Change, change.ByUserId));
        Assert.Contains(await bob.ConversationsAsync(), c => c.Id == channel.Id);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task A_private_channel_looks_exactly_like_a_missing_one_to_a_non_member()
    {
        var org = await app.OrganizationAsync();
        var (alice, mallory) = (org.Owner, await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("board", "private");
        await alice.SendAsync(channel.Id, "acquisition talks");
        var missing = channel.Id + 1_000_000;

        foreach (var (method, path) in new[] { ("GET", ""), ("GET", "/messages"), ("GET", "/members"), ("POST", "/join"), ("POST", "/read") })
        {
            var hidden = method == "GET" ? await mallory.GetAsync($"/api/v1/conversations/{channel.Id}{path}")
                : await mallory.PostAsync($"/api/v1/conversations/{channel.Id}{path}", new { seq = 1 });
            var absent = method == "GET" ? await mallory.GetAsync($"/api/v1/conversations/{missing}{path}")
                : await mallory.PostAsync($"/api/v1/conversations/{missing}{path}", new { seq = 1 });

            await hidden.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            Assert.Equal(await absent.ProblemWithoutTraceAsync(), await hidden.ProblemWithoutTraceAsync());
        }
        Assert.DoesNotContain(await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members"), m => m.UserId == mallory.Id);
    }

    [Fact]
    public async Task Someone_from_another_organization_gets_404_even_for_a_public_channel()
    {
        var org = await app.OrganizationAsync();
        var stranger = (await app.OrganizationAsync()).Owner;
        var channel = await org.Owner.CreateChannelAsync("announcements");

        var read = await stranger.GetAsync($"/api/v1/conversations/{channel.Id}");
        var join = await stranger.PostAsync($"/api/v1/conversations/{channel.Id}/join");
        var post = await stranger.PostAsync($"/api/v1/conversations/{channel.Id}/messages", new { content = "hello", clientMessageId = Guid.NewGuid() });

        await read.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await join.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await post.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.DoesNotContain(await stranger.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse"), c => c.Id == channel.Id);
        Assert.Equal(0, (await org.Owner.ConversationAsync(channel.Id)).LastMessageSeq);
    }

    [Fact]
    public async Task A_guest_browses_nothing_and_cannot_see_or_join_a_public_channel_they_were_not_added_to()
    {
        var org = await app.OrganizationAsync();
        var (alice, gus) = (org.Owner, await org.MemberAsync("Gus", "guest"));
        var channel = await alice.CreateChannelAsync("general");
        await alice.SendAsync(channel.Id, "internal roadmap");
        await using var aliceLive = await app.ConnectAsync(alice);

        var browse = await gus.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse");
        var read = await gus.GetAsync($"/api/v1/conversations/{channel.Id}");
        var messages = await gus.GetAsync($"/api/v1/conversations/{channel.Id}/messages");
        var join = await gus.PostAsync($"/api/v1/conversations/{channel.Id}/join");

        Assert.Empty(browse);
        Assert.NotEmpty(await alice.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse"));
        await read.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await messages.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await join.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await aliceLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task A_guest_cannot_create_channels()
    {
        var org = await app.OrganizationAsync();
        var gus = await org.MemberAsync("Gus", "guest");

        var response = await gus.PostAsync("/api/v1/conversations", new { name = "guest-room", visibility = "private" });

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "guests-cannot-create");
        Assert.Empty(await gus.ConversationsAsync());
        Assert.Empty(await org.Owner.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse"));
    }

    [Fact]
    public async Task A_guest_added_to_a_private_channel_reads_and_posts_in_it()
    {
        var org = await app.OrganizationAsync();
        var (alice, gus, mallory) = (org.Owner, await org.MemberAsync("Gus", "guest"), await org.MemberAsync("Mallory"));
        await using var gusLive = await app.ConnectAsync(gus);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var channel = await alice.CreateChannelAsync("client-acme", "private", gus);
        await gusLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged), m => m.ConversationId == channel.Id);
        await alice.SendAsync(channel.Id, "Welcome, Gus");
        var history = await gus.MessagesAsync(channel.Id);
        var reply = await gus.SendAsync(channel.Id, "Thanks!");

        Assert.Equal(["Welcome, Gus"], history.Messages.Select(m => m.Content));
        var atAlice = await aliceLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == reply.Id);
        Assert.Equal((gus.Id, "Thanks!"), (atAlice.SenderId, atAlice.Content));
        await malloryLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task A_member_leaves_a_channel_and_stops_receiving_its_messages()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("offsite", "private", bob);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/leave")).ShouldBe(HttpStatusCode.NoContent);

        var atAlice = await aliceLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        var atBob = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((bob.Id, "removed"), (atAlice.UserId, atAlice.Change));
        Assert.Equal((bob.Id, "removed"), (atBob.UserId, atBob.Change));
        var sent = await alice.SendAsync(channel.Id, "after Bob left");
        await aliceLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);
        await bobLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
        await (await bob.GetAsync($"/api/v1/conversations/{channel.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.DoesNotContain(await bob.ConversationsAsync(), c => c.Id == channel.Id);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Leaving_a_public_channel_one_is_not_in_is_a_conflict()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("watercooler");
        await using var aliceLive = await app.ConnectAsync(alice);

        var response = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/leave");

        await response.ShouldBeProblem(HttpStatusCode.Conflict, "not-a-member");
        await aliceLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Joining_many_times_at_once_adds_the_member_once()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("popular");
        await using var aliceLive = await app.ConnectAsync(alice);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => bob.PostAsync($"/api/v1/conversations/{channel.Id}/join")));

        foreach (var response in responses)
            Assert.True((await response.ReadAsync<ConversationDto>(HttpStatusCode.OK)).IsMember);
        Assert.Equal(bob.Id, (await aliceLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).UserId);
        Assert.Equal(2, (await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members")).Count);
        await aliceLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }
}

public sealed class SqliteChannelAccessTests(SqliteApp app) : ChannelAccessTests(app);

public sealed class PostgresChannelAccessTests : ChannelAccessTests
{
    public PostgresChannelAccessTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
