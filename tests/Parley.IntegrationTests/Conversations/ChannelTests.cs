using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Conversations;

public abstract class ChannelTests(ParleyApp app)
{
    [Fact]
    public async Task Creating_a_public_channel_makes_the_creator_its_owner_and_tells_the_added_members_only()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var channel = await alice.CreateChannelAsync("general", "public", bob);

        var added = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((channel.Id, bob.Id, "added", "member", alice.Id), (added.ConversationId, added.UserId, added.Change, added.Role, added.ByUserId));
        Assert.Equal(("public", "general", "owner", true), (channel.Kind, channel.Name, channel.MyRole, channel.IsMember));
        var members = await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members");
        Assert.Equal([(alice.Id, "owner"), (bob.Id, "member")], members.Select(m => (m.UserId, m.Role)));
        Assert.Equal("member", (await bob.MineAsync(channel.Id)).MyRole);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task A_private_channel_is_created_for_its_members_and_does_not_show_in_browse()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var channel = await alice.CreateChannelAsync("deals", "private", bob);

        Assert.Equal(("private", "owner"), (channel.Kind, channel.MyRole));
        var added = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        Assert.Equal((channel.Id, "added"), (added.ConversationId, added.Change));
        Assert.Contains(await bob.ConversationsAsync(), c => c.Id == channel.Id);
        Assert.DoesNotContain(await mallory.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse"), c => c.Id == channel.Id);
        Assert.DoesNotContain(await mallory.ConversationsAsync(), c => c.Id == channel.Id);
        await malloryLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Public_channel_names_are_unique_in_an_organization_whatever_their_case()
    {
        var org = await app.OrganizationAsync();
        var other = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        await alice.CreateChannelAsync("Sales");
        var support = await bob.CreateChannelAsync("support");

        var sameName = await bob.PostAsync("/api/v1/conversations", new { name = "sALES", visibility = "public" });
        var renamedOnto = await bob.PatchAsync($"/api/v1/conversations/{support.Id}", new { name = "  SALES " });
        var elsewhere = await other.Owner.CreateChannelAsync("sales");

        await sameName.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
        await renamedOnto.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
        Assert.Equal("sales", elsewhere.Name);
        Assert.Equal("support", (await bob.ConversationAsync(support.Id)).Name);
        Assert.Equal(["Sales", "support"], (await bob.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse")).Select(c => c.Name));
    }

    [Fact]
    public async Task An_outsider_creates_and_renames_channels_to_a_hidden_private_channels_name_and_learns_nothing()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var hidden = await alice.CreateChannelAsync("Mergers", "private");
        var board = await bob.CreateChannelAsync("board", "public");
        var notes = await bob.CreateChannelAsync("notes", "private");

        var createdPublic = await bob.PostAsync("/api/v1/conversations", new { name = "mergers", visibility = "public" });
        var createdPrivate = await bob.PostAsync("/api/v1/conversations", new { name = "MERGERS", visibility = "private" });
        var renamedPrivate = await bob.PatchAsync($"/api/v1/conversations/{notes.Id}", new { name = "Mergers" });
        var renamedPublicOntoPublic = await bob.PatchAsync($"/api/v1/conversations/{board.Id}", new { name = "Mergers " });

        Assert.Equal("mergers", (await createdPublic.ReadAsync<ConversationDto>(HttpStatusCode.Created)).Name);
        Assert.Equal("MERGERS", (await createdPrivate.ReadAsync<ConversationDto>(HttpStatusCode.Created)).Name);
        Assert.Equal("Mergers", (await renamedPrivate.ReadAsync<ConversationDto>(HttpStatusCode.OK)).Name);
        await renamedPublicOntoPublic.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");   // Bob's own public one
        Assert.Equal("Mergers", (await alice.ConversationAsync(hidden.Id)).Name);
        Assert.DoesNotContain(await bob.ConversationsAsync(), c => c.Id == hidden.Id);
    }

    [Fact]
    public async Task A_private_channel_may_share_its_name_and_a_public_one_still_may_not()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        await alice.CreateChannelAsync("Plans", "private");
        await alice.CreateChannelAsync("plans", "public");
        var general = await alice.CreateChannelAsync("general", "public");

        var secondPrivate = await bob.PostAsync("/api/v1/conversations", new { name = "PLANS", visibility = "private" });
        var secondPublic = await bob.PostAsync("/api/v1/conversations", new { name = "Plans", visibility = "public" });
        var renamedOnto = await alice.PatchAsync($"/api/v1/conversations/{general.Id}", new { name = "PLANS" });

        await secondPrivate.ShouldBe(HttpStatusCode.Created);
        await secondPublic.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
        await renamedOnto.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
        Assert.Equal(["general", "plans"], (await bob.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse")).Select(c => c.Name));
    }

    [Fact]
    public async Task A_name_of_ten_thousand_characters_is_refused_and_nothing_is_created()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;

        var response = await alice.PostAsync("/api/v1/conversations", new { name = new string('n', 10_000), visibility = "public" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await alice.ConversationsAsync());
        Assert.Empty(await alice.GetOkAsync<List<ConversationDto>>("/api/v1/conversations/browse"));
    }

    [Fact]
    public async Task A_name_with_markup_comes_back_verbatim_as_json_text()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        const string name = "<script>alert('x')</script> & co";
        await using var bobLive = await app.ConnectAsync(bob);

        var channel = await alice.CreateChannelAsync(name, "public", bob);
        var read = await bob.GetAsync($"/api/v1/conversations/{channel.Id}");

        Assert.Equal(name, channel.Name);
        Assert.Equal("application/json", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal(name, (await read.ReadAsync<ConversationDto>(HttpStatusCode.OK)).Name);
        Assert.Equal(channel.Id, (await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).ConversationId);
    }

    [Fact]
    public async Task An_unknown_visibility_is_refused()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;

        var response = await alice.PostAsync("/api/v1/conversations", new { name = "vault", visibility = "secret" });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "visibility-invalid");
        Assert.Empty(await alice.ConversationsAsync());
    }

    [Fact]
    public async Task The_owner_renames_the_channel_and_sets_its_topic_and_its_members_are_told()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("ops", "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var response = await alice.PatchAsync($"/api/v1/conversations/{channel.Id}", new { name = "operations", topic = "On call: Bob" });

        var dto = await response.ReadAsync<ConversationDto>(HttpStatusCode.OK);
        Assert.Equal(("operations", "On call: Bob"), (dto.Name, dto.Topic));
        var changed = await bobLive.NextAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
        Assert.Equal((channel.Id, "operations", "On call: Bob"), (changed.Id, changed.Name, changed.Topic));
        var read = await bob.ConversationAsync(channel.Id);
        Assert.Equal(("operations", "On call: Bob"), (read.Name, read.Topic));
        await malloryLive.AssertNoneAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
    }

    [Fact]
    public async Task A_plain_member_can_neither_rename_the_channel_nor_change_its_topic()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("ops", "public", bob);
        await using var aliceLive = await app.ConnectAsync(alice);

        var rename = await bob.PatchAsync($"/api/v1/conversations/{channel.Id}", new { name = "bobs" });
        var topic = await bob.PatchAsync($"/api/v1/conversations/{channel.Id}", new { topic = "mine now" });

        await rename.ShouldBeProblem(HttpStatusCode.Forbidden, "not-conversation-manager");
        await topic.ShouldBeProblem(HttpStatusCode.Forbidden, "not-conversation-manager");
        var read = await alice.ConversationAsync(channel.Id);
        Assert.Equal(("ops", (string?)null), (read.Name, read.Topic));
        await aliceLive.AssertNoneAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
    }

    [Fact]
    public async Task An_archived_channel_refuses_posts_until_it_is_unarchived()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("launch", "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var byBob = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/archive");
        await (await alice.PostAsync($"/api/v1/conversations/{channel.Id}/archive")).ShouldBe(HttpStatusCode.OK);
        var archived = await bobLive.NextAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
        var post = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/messages", new { content = "too late", clientMessageId = Guid.NewGuid() });
        var rename = await alice.PatchAsync($"/api/v1/conversations/{channel.Id}", new { name = "launched" });
        await (await alice.PostAsync($"/api/v1/conversations/{channel.Id}/unarchive")).ShouldBe(HttpStatusCode.OK);
        var unarchived = await bobLive.NextAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
        var again = await alice.PostAsync($"/api/v1/conversations/{channel.Id}/unarchive");

        await byBob.ShouldBeProblem(HttpStatusCode.Forbidden, "not-conversation-manager");
        Assert.True(archived.Archived);
        await post.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "conversation-archived");
        await rename.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "conversation-archived");
        Assert.False(unarchived.Archived);
        await again.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-not-archived");
        Assert.Equal(1, (await bob.SendAsync(channel.Id, "back again")).Seq);
        await malloryLive.AssertNoneAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
    }

    [Fact]
    public async Task Creating_the_same_channel_many_times_at_once_makes_one_and_refuses_the_rest()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        await using var carolLive = await app.ConnectAsync(carol);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? alice : bob).PostAsync("/api/v1/conversations", new { name = i % 2 == 0 ? "Launch" : "launch", visibility = "public", memberIds = new[] { carol.Id } })));

        var created = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r != created))
            await refused.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
        var channel = Assert.Single(await carol.ConversationsAsync());
        Assert.Equal(channel.Id, (await carolLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged))).ConversationId);
        await carolLive.AssertNoneAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
    }

    [Fact]
    public async Task Renaming_many_channels_to_one_name_at_once_renames_one_and_refuses_the_rest()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channels = new List<ConversationDto>();
        for (var i = 0; i < 8; i++)
            channels.Add(await alice.CreateChannelAsync($"room-{i}", "public"));

        var responses = await Task.WhenAll(channels.Select((c, i) =>
            alice.PatchAsync($"/api/v1/conversations/{c.Id}", new { name = i % 2 == 0 ? "Launch" : "launch" })));

        var renamed = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in responses.Where(r => r != renamed))
            await refused.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
    }
}

public sealed class SqliteChannelTests(SqliteApp app) : ChannelTests(app);

public sealed class PostgresChannelTests : ChannelTests
{
    public PostgresChannelTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
