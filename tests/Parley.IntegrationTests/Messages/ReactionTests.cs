using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class ReactionTests(ParleyApp app)
{
    [Fact]
    public async Task A_reaction_is_shown_to_members_and_adding_it_twice_changes_nothing()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var message = await alice.SendAsync(channel.Id, "We won the deal");
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var added = await (await bob.PutAsync(ReactionAt(channel.Id, message.Id, "👍"))).ReadAsync<MessageDto>(HttpStatusCode.OK);
        var announced = await aliceLive.NextAsync<MessageDto>(ReactionChanged);
        var again = await (await bob.PutAsync(ReactionAt(channel.Id, message.Id, "👍"))).ReadAsync<MessageDto>(HttpStatusCode.OK);

        var expected = new ReactionDto("👍", 1, [bob.Id]);
        Assert.Equivalent(new[] { expected }, added.Reactions, strict: true);
        Assert.Equivalent(new[] { expected }, announced.Reactions, strict: true);
        Assert.Equal(message.Id, announced.Id);
        Assert.Equivalent(new[] { expected }, again.Reactions, strict: true);
        Assert.Equivalent(new[] { expected }, (await alice.PageAsync(channel.Id)).Messages.Single().Reactions, strict: true);
        await aliceLive.AssertNoneAsync<MessageDto>(ReactionChanged);
        await malloryLive.AssertNoneAsync<MessageDto>(ReactionChanged);
    }

    [Fact]
    public async Task Two_people_reacting_alike_are_counted_together_and_removal_takes_only_ones_own()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var message = await alice.SendAsync(channel.Id, "Lunch?");
        await (await alice.PutAsync(ReactionAt(channel.Id, message.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await (await bob.PutAsync(ReactionAt(channel.Id, message.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var removed = await (await bob.DeleteAsync(ReactionAt(channel.Id, message.Id, "🎉"))).ReadAsync<MessageDto>(HttpStatusCode.OK);
        var announced = await aliceLive.NextAsync<MessageDto>(ReactionChanged);
        var removedAgain = await (await bob.DeleteAsync(ReactionAt(channel.Id, message.Id, "🎉"))).ReadAsync<MessageDto>(HttpStatusCode.OK);

        var expected = new[] { new ReactionDto("🎉", 1, [alice.Id]) };
        Assert.Equivalent(expected, removed.Reactions, strict: true);
        Assert.Equivalent(expected, announced.Reactions, strict: true);
        Assert.Equivalent(expected, removedAgain.Reactions, strict: true);
        await aliceLive.AssertNoneAsync<MessageDto>(ReactionChanged);
        await malloryLive.AssertNoneAsync<MessageDto>(ReactionChanged);
    }

    [Theory]
    [InlineData("<b>")]
    [InlineData("\"onmouseover=")]
    [InlineData("a&b")]
    [InlineData("two words")]
    [InlineData(":a-shortcode-that-is-far-too-long-to-be-one:")]
    public async Task An_emoji_that_could_carry_markup_is_refused(string emoji)
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var message = await alice.SendAsync(channel.Id, "hello");
        await using var aliceLive = await app.ConnectAsync(alice);

        var response = await bob.PutAsync(ReactionAt(channel.Id, message.Id, emoji));

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "emoji-invalid");
        Assert.Empty((await alice.PageAsync(channel.Id)).Messages.Single().Reactions);
        await aliceLive.AssertNoneAsync<MessageDto>(ReactionChanged);
    }

    [Fact]
    public async Task Only_members_react_and_deleted_messages_take_no_reactions()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public");
        var message = await alice.SendAsync(channel.Id, "hello");
        var gone = await alice.SendAsync(channel.Id, "oops");
        await alice.DeleteMessageAsync(channel.Id, gone.Id);
        await using var aliceLive = await app.ConnectAsync(alice);

        var byNonMember = await bob.PutAsync(ReactionAt(channel.Id, message.Id, "👍"));
        var onDeleted = await alice.PutAsync(ReactionAt(channel.Id, gone.Id, "👍"));

        await byNonMember.ShouldBeProblem(HttpStatusCode.Forbidden, "not-a-member");
        await onDeleted.ShouldBeProblem(HttpStatusCode.Conflict, "message-deleted");
        Assert.All((await alice.PageAsync(channel.Id)).Messages, m => Assert.Empty(m.Reactions));
        await aliceLive.AssertNoneAsync<MessageDto>(ReactionChanged);
    }
}

public sealed class SqliteReactionTests(SqliteApp app) : ReactionTests(app);

public sealed class PostgresReactionTests : ReactionTests
{
    public PostgresReactionTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
