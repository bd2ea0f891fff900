using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using Parley.Server.Realtime;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class PinTests(ParleyApp app)
{
    private const string PinChanged = nameof(IParleyClient.PinChanged);

    private static string PinOf(long conversationId, long messageId) => $"{MessageAt(conversationId, messageId)}/pin";

    private static string PinsOf(long conversationId) => $"/api/v1/conversations/{conversationId}/pins";

    [Fact]
    public async Task A_pin_is_listed_announced_to_members_and_written_to_the_record()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var first = await alice.SendAsync(channel.Id, "Read the contract first");
        var second = await alice.SendAsync(channel.Id, "Signing on Friday");
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var pinned = await (await bob.PutAsync(PinOf(channel.Id, first.Id))).ReadAsync<MessageDto>(HttpStatusCode.OK);
        var announced = await aliceLive.NextAsync<MessageDto>(PinChanged);
        await (await bob.PutAsync(PinOf(channel.Id, second.Id))).ShouldBe(HttpStatusCode.OK);
        await aliceLive.NextAsync<MessageDto>(PinChanged);
        var again = await (await alice.PutAsync(PinOf(channel.Id, first.Id))).ReadAsync<MessageDto>(HttpStatusCode.OK);

        Assert.Equal(bob.Id, pinned.PinnedBy);
        Assert.NotNull(pinned.PinnedAt);
        Assert.Equal((first.Id, bob.Id), (announced.Id, announced.PinnedBy));
        Assert.Equal(bob.Id, again.PinnedBy);                       // pinning a pinned message changes nothing
        var pins = await bob.GetOkAsync<List<MessageDto>>(PinsOf(channel.Id));
        Assert.Equal([second.Id, first.Id], pins.Select(p => p.Id));  // the most recently pinned first
        var versions = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, first.Id)}/versions");
        Assert.Equal(["posted", "pinned"], versions.Select(v => v.Kind));
        Assert.Equal(bob.Id, versions[1].ActorId);
        await aliceLive.AssertNoneAsync<MessageDto>(PinChanged);
        await malloryLive.AssertNoneAsync<MessageDto>(PinChanged);
        Assert.True((await alice.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task An_unpin_is_announced_and_recorded_and_a_deleted_message_leaves_the_list()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var kept = await bob.SendAsync(channel.Id, "Budget approved");
        var gone = await bob.SendAsync(channel.Id, "Old plan");
        await (await alice.PutAsync(PinOf(channel.Id, kept.Id))).ShouldBe(HttpStatusCode.OK);
        await (await alice.PutAsync(PinOf(channel.Id, gone.Id))).ShouldBe(HttpStatusCode.OK);
        await using var aliceLive = await app.ConnectAsync(alice);

        var unpinned = await (await bob.DeleteAsync(PinOf(channel.Id, kept.Id))).ReadAsync<MessageDto>(HttpStatusCode.OK);
        var announced = await aliceLive.NextAsync<MessageDto>(PinChanged);
        await bob.DeleteMessageAsync(channel.Id, gone.Id);

        Assert.Null(unpinned.PinnedAt);
        Assert.Null(announced.PinnedBy);
        Assert.Empty(await alice.GetOkAsync<List<MessageDto>>(PinsOf(channel.Id)));
        var versions = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, kept.Id)}/versions");
        Assert.Equal(["posted", "pinned", "unpinned"], versions.Select(v => v.Kind));
        Assert.True((await alice.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task Only_the_pinner_the_sender_or_a_moderator_unpins()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, dave) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob, carol, dave);
        var message = await bob.SendAsync(channel.Id, "Price list");
        await (await carol.PutAsync(PinOf(channel.Id, message.Id))).ShouldBe(HttpStatusCode.OK);

        var byDave = await dave.DeleteAsync(PinOf(channel.Id, message.Id));
        await byDave.ShouldBeProblem(HttpStatusCode.Forbidden, "not-the-pinner");
        Assert.Single(await dave.GetOkAsync<List<MessageDto>>(PinsOf(channel.Id)));

        await (await bob.DeleteAsync(PinOf(channel.Id, message.Id))).ShouldBe(HttpStatusCode.OK);     // the sender
        await (await dave.PutAsync(PinOf(channel.Id, message.Id))).ShouldBe(HttpStatusCode.OK);
        await (await alice.DeleteAsync(PinOf(channel.Id, message.Id))).ShouldBe(HttpStatusCode.OK);   // the channel's owner
        Assert.Empty(await dave.GetOkAsync<List<MessageDto>>(PinsOf(channel.Id)));
    }

    [Fact]
    public async Task Non_members_removed_members_and_archived_conversations_pin_nothing()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var secret = await alice.CreateChannelAsync("deals", "private", bob);
        var open = await alice.CreateChannelAsync("general", "public");
        var inSecret = await alice.SendAsync(secret.Id, "Q3 numbers");
        var inOpen = await alice.SendAsync(open.Id, "Welcome");
        var deleted = await alice.SendAsync(open.Id, "oops");
        await alice.DeleteMessageAsync(open.Id, deleted.Id);
        await (await alice.PutAsync(PinOf(secret.Id, inSecret.Id))).ShouldBe(HttpStatusCode.OK);
        await (await alice.DeleteAsync($"/api/v1/conversations/{secret.Id}/members/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);

        await (await mallory.PutAsync(PinOf(secret.Id, inSecret.Id))).ShouldBe(HttpStatusCode.NotFound);
        await (await mallory.GetAsync(PinsOf(secret.Id))).ShouldBe(HttpStatusCode.NotFound);
        await (await bob.DeleteAsync(PinOf(secret.Id, inSecret.Id))).ShouldBe(HttpStatusCode.NotFound);   // removed
        await (await bob.GetAsync(PinsOf(secret.Id))).ShouldBe(HttpStatusCode.NotFound);
        await (await mallory.PutAsync(PinOf(open.Id, inOpen.Id))).ShouldBeProblem(HttpStatusCode.Forbidden, "not-a-member");
        Assert.Empty(await mallory.GetOkAsync<List<MessageDto>>(PinsOf(open.Id)));    // a reader of a public channel sees its pins
        await (await alice.PutAsync(PinOf(open.Id, deleted.Id))).ShouldBeProblem(HttpStatusCode.Conflict, "message-deleted");
        await (await alice.PutAsync(PinOf(open.Id, inSecret.Id))).ShouldBe(HttpStatusCode.NotFound);   // a message of another conversation
        await (await alice.PostAsync($"/api/v1/conversations/{secret.Id}/archive")).ShouldBe(HttpStatusCode.OK);
        await (await alice.DeleteAsync(PinOf(secret.Id, inSecret.Id))).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "conversation-archived");

        Assert.Single(await alice.GetOkAsync<List<MessageDto>>(PinsOf(secret.Id)));
        Assert.Empty(await alice.GetOkAsync<List<MessageDto>>(PinsOf(open.Id)));
    }

    [Fact]
    public async Task Another_organizations_pins_look_like_ids_that_do_not_exist()
    {
        var org = await app.OrganizationAsync();
        var other = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("general", "public");
        var message = await org.Owner.SendAsync(channel.Id, "hello");
        await (await org.Owner.PutAsync(PinOf(channel.Id, message.Id))).ShouldBe(HttpStatusCode.OK);
        var outsider = other.Owner;

        var responses = new[]
        {
            await outsider.GetAsync(PinsOf(channel.Id)),
            await outsider.PutAsync(PinOf(channel.Id, message.Id)),
            await outsider.DeleteAsync(PinOf(channel.Id, message.Id)),
            await outsider.GetAsync(PinsOf(9_000_000_000)),
            await outsider.DeleteAsync(PinOf(9_000_000_000, 9_000_000_000)),
        };

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.Single(await org.Owner.GetOkAsync<List<MessageDto>>(PinsOf(channel.Id)));
    }

    [Fact]
    public async Task A_conversation_holds_at_most_a_hundred_pins()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("notes", "private");
        var messages = new List<MessageDto>();
        for (var i = 0; i <= PinMessage.MaxPinsPerConversation; i++)
            messages.Add(await alice.SendAsync(channel.Id, $"note {i}"));
        foreach (var message in messages.Take(PinMessage.MaxPinsPerConversation))
            await (await alice.PutAsync(PinOf(channel.Id, message.Id))).ShouldBe(HttpStatusCode.OK);

        var over = await alice.PutAsync(PinOf(channel.Id, messages[^1].Id));

        await over.ShouldBeProblem(HttpStatusCode.Conflict, "pin-limit-reached");
        Assert.Equal(PinMessage.MaxPinsPerConversation, (await alice.GetOkAsync<List<MessageDto>>(PinsOf(channel.Id))).Count);
        await (await alice.DeleteAsync(PinOf(channel.Id, messages[0].Id))).ShouldBe(HttpStatusCode.OK);
        await (await alice.PutAsync(PinOf(channel.Id, messages[^1].Id))).ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class SqlitePinTests(SqliteApp app) : PinTests(app);

public sealed class PostgresPinTests : PinTests
{
    public PostgresPinTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
