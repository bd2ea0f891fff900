using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

/// <summary>Changes that race each other on one message: the record and the message table must agree afterwards.</summary>
public abstract class ConcurrentChangeTests(ParleyApp app)
{
    [Fact]
    public async Task Concurrent_replies_are_all_counted_on_the_root()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var root = await alice.SendAsync(channel.Id, "Ideas for the offsite?");
        await using var malloryLive = await app.ConnectAsync(mallory);
        await using var aliceLive = await app.ConnectAsync(alice);

        var replies = await Task.WhenAll(Enumerable.Range(1, 10)
            .Select(i => (i % 2 == 0 ? alice : bob).SendAsync(channel.Id, $"idea {i}", threadRootId: root.Id)));

        var stored = (await bob.PageAsync(channel.Id)).Messages.Single();
        Assert.Equal(10, stored.ReplyCount);
        var thread = await bob.GetOkAsync<MessagePageDto>($"{MessageAt(channel.Id, root.Id)}/replies");
        Assert.Equal(replies.Select(r => r.Id).Order(), thread.Messages.Select(m => m.Id).Order());
        for (var i = 0; i < 10; i++)
            Assert.Equal(root.Id, (await aliceLive.NextAsync<MessageDto>(Created)).ThreadRootId);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
        Assert.True((await alice.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task Concurrent_identical_reactions_are_added_once()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var message = await alice.SendAsync(channel.Id, "Signed!");
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bob.PutAsync(ReactionAt(channel.Id, message.Id, "🎉"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equivalent(new[] { new ReactionDto("🎉", 1, [bob.Id]) }, (await alice.PageAsync(channel.Id)).Messages.Single().Reactions, strict: true);
        var versions = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, message.Id)}/versions");
        Assert.Equal(["posted", "reaction-added"], versions.Select(v => v.Kind));
        await aliceLive.NextAsync<MessageDto>(ReactionChanged);
        await aliceLive.AssertNoneAsync<MessageDto>(ReactionChanged);
        await malloryLive.AssertNoneAsync<MessageDto>(ReactionChanged);
    }

    [Fact]
    public async Task Concurrent_removals_of_a_reaction_remove_it_once()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var message = await alice.SendAsync(channel.Id, "Signed!");
        await (await bob.PutAsync(ReactionAt(channel.Id, message.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bob.DeleteAsync(ReactionAt(channel.Id, message.Id, "🎉"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Empty((await alice.PageAsync(channel.Id)).Messages.Single().Reactions);
        var versions = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, message.Id)}/versions");
        Assert.Equal(["posted", "reaction-added", "reaction-removed"], versions.Select(v => v.Kind));
        await aliceLive.NextAsync<MessageDto>(ReactionChanged);
        await aliceLive.AssertNoneAsync<MessageDto>(ReactionChanged);
        await malloryLive.AssertNoneAsync<MessageDto>(ReactionChanged);
    }

    [Fact]
    public async Task Concurrent_deletes_delete_once_and_the_rest_are_conflicts()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var message = await bob.SendAsync(channel.Id, "delete me");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => alice.DeleteAsync(MessageAt(channel.Id, message.Id))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await refused.ShouldBeProblem(HttpStatusCode.Conflict, "message-deleted");
        var versions = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, message.Id)}/versions");
        Assert.Equal(["posted", "deleted"], versions.Select(v => v.Kind));
        Assert.Single(await alice.GetOkAsync<List<Parley.Server.Features.AuditLog.AuditEventDto>>("/api/v1/admin/audit?action=MessageDeletedByOther"));
        await bobLive.NextAsync<MessageDto>(Deleted);
        await bobLive.AssertNoneAsync<MessageDto>(Deleted);
        await malloryLive.AssertNoneAsync<MessageDto>(Deleted);
    }

    [Fact]
    public async Task An_edit_racing_a_delete_never_lands_after_the_deletion()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var messages = new List<MessageDto>();
        for (var i = 0; i < 8; i++)
            messages.Add(await alice.SendAsync(channel.Id, $"draft {i}"));
        await using var bobLive = await app.ConnectAsync(bob);

        var races = await Task.WhenAll(messages.Select(async m =>
        {
            var edit = alice.PatchAsync(MessageAt(channel.Id, m.Id), new { content = "final" });
            var delete = alice.DeleteAsync(MessageAt(channel.Id, m.Id));
            return (Message: m, Edit: await edit, Delete: await delete);
        }));

        foreach (var (message, edit, delete) in races)
        {
            await delete.ShouldBe(HttpStatusCode.OK);
            var versions = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, message.Id)}/versions");
            if (edit.StatusCode == HttpStatusCode.OK)
                Assert.Equal(["posted", "edited", "deleted"], versions.Select(v => v.Kind));
            else
            {
                await edit.ShouldBeProblem(HttpStatusCode.Conflict, "message-deleted");
                Assert.Equal(["posted", "deleted"], versions.Select(v => v.Kind));
            }
        }
        Assert.All((await bob.PageAsync(channel.Id)).Messages, m => Assert.Equal((true, (string?)null), (m.Deleted, m.Content)));
        for (var i = 0; i < messages.Count; i++)
            await bobLive.NextAsync<MessageDto>(Deleted);
        Assert.True((await alice.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task Racing_sends_with_one_client_message_id_in_two_conversations_make_one_message()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var deals = await alice.CreateChannelAsync("deals", "private", bob);
        var ops = await alice.CreateChannelAsync("ops", "private", bob);
        var clientMessageId = Guid.NewGuid();
        await using var bobLive = await app.ConnectAsync(bob);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => alice.PostMessageAsync(i % 2 == 0 ? deals.Id : ops.Id, new { content = "once", clientMessageId })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await conflict.ShouldBeProblem(HttpStatusCode.Conflict, "client-message-id-reused");
        var stored = (await alice.PageAsync(deals.Id)).Messages.Concat((await alice.PageAsync(ops.Id)).Messages);
        Assert.Single(stored);
        await bobLive.NextAsync<MessageDto>(Created);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
    }
}

public sealed class SqliteConcurrentChangeTests(SqliteApp app) : ConcurrentChangeTests(app);

public sealed class PostgresConcurrentChangeTests : ConcurrentChangeTests
{
    public PostgresConcurrentChangeTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
