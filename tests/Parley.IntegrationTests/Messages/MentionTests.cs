using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class MentionTests(ParleyApp app)
{
    [Fact]
    public async Task Mentioning_a_member_by_handle_records_their_id()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var sent = await alice.SendAsync(channel.Id, $"@{bob.Handle} can you check this?");

        Assert.Equal("bob", bob.Handle);
        Assert.Equal([bob.Id], sent.Mentions);
        Assert.False(sent.MentionsChannel);
        Assert.Equal([bob.Id], (await bobLive.NextAsync<MessageDto>(Created)).Mentions);
        Assert.Equal([bob.Id], (await bob.PageAsync(channel.Id)).Messages.Single().Mentions);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task At_channel_flags_the_message_without_naming_anyone()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var sent = await alice.SendAsync(channel.Id, "@channel standup in 5");

        var atBob = await bobLive.NextAsync<MessageDto>(Created);
        Assert.True(sent.MentionsChannel);
        Assert.True(atBob.MentionsChannel);
        Assert.Empty(sent.Mentions);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Mentioning_someone_outside_the_conversation_records_nothing()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var other = await app.OrganizationAsync();
        var otherCarol = await other.MemberAsync("Carol");
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var sent = await alice.SendAsync(channel.Id, $"@{mallory.Handle} @{otherCarol.Handle} @nobody-here see this");

        Assert.Empty(sent.Mentions);
        Assert.False(sent.MentionsChannel);
        Assert.Empty((await bobLive.NextAsync<MessageDto>(Created)).Mentions);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Editing_a_mention_away_removes_it()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob, carol);
        var sent = await alice.SendAsync(channel.Id, $"@{bob.Handle} please review");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var edited = await alice.EditAsync(channel.Id, sent.Id, $"@{carol.Handle} please review");

        Assert.Equal([bob.Id], sent.Mentions);
        Assert.Equal([carol.Id], edited.Mentions);
        Assert.Equal([carol.Id], (await bobLive.NextAsync<MessageDto>(Edited)).Mentions);
        Assert.Equal([carol.Id], (await bob.PageAsync(channel.Id)).Messages.Single().Mentions);
        await malloryLive.AssertNoneAsync<MessageDto>(Edited);
    }
}

public sealed class SqliteMentionTests(SqliteApp app) : MentionTests(app);

public sealed class PostgresMentionTests : MentionTests
{
    public PostgresMentionTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
