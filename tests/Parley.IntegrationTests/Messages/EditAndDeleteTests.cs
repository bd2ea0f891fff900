using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class EditAndDeleteTests(ParleyApp app)
{
    private const string DeletionsByOthers = "/api/v1/admin/audit?action=MessageDeletedByOther";

    [Fact]
    public async Task The_sender_edits_their_message_and_members_see_the_new_text()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var sent = await alice.SendAsync(channel.Id, "Meet at 10");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var edited = await alice.EditAsync(channel.Id, sent.Id, "Meet at **11**");

        var announced = await bobLive.NextAsync<MessageDto>(Edited);
        Assert.Equal((sent.Id, sent.Seq), (edited.Id, edited.Seq));
        Assert.Equal("Meet at **11**", edited.Content);
        Assert.Equal("<p>Meet at <strong>11</strong></p>", edited.Html);
        Assert.NotNull(edited.EditedAt);
        Assert.Null(sent.EditedAt);
        Assert.Equal((edited.Content, edited.Html, edited.EditedAt), (announced.Content, announced.Html, announced.EditedAt));
        Assert.True(announced.Position > sent.Position);
        var stored = (await bob.PageAsync(channel.Id)).Messages.Single();
        Assert.Equal("Meet at **11**", stored.Content);
        // Stored times keep milliseconds (SQLite) or microseconds (PostgreSQL); the response carries the clock's ticks.
        Assert.Equal(edited.EditedAt!.Value.ToUnixTimeMilliseconds(), stored.EditedAt!.Value.ToUnixTimeMilliseconds());
        await malloryLive.AssertNoneAsync<MessageDto>(Edited);
    }

    [Fact]
    public async Task Nobody_edits_someone_elses_message_not_even_an_admin()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var sent = await bob.SendAsync(channel.Id, "original");
        await using var bobLive = await app.ConnectAsync(bob);

        var response = await alice.PatchAsync(MessageAt(channel.Id, sent.Id), new { content = "rewritten" });

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "not-the-sender");
        var stored = (await bob.PageAsync(channel.Id)).Messages.Single();
        Assert.Equal(("original", (DateTimeOffset?)null), (stored.Content, stored.EditedAt));
        await bobLive.AssertNoneAsync<MessageDto>(Edited);
    }

    [Fact]
    public async Task An_edit_follows_the_rules_of_a_send()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var sent = await alice.SendAsync(channel.Id, "original");
        await using var bobLive = await app.ConnectAsync(bob);

        var empty = await alice.PatchAsync(MessageAt(channel.Id, sent.Id), new { content = "  " });
        var tooLong = await alice.PatchAsync(MessageAt(channel.Id, sent.Id), new { content = new string('x', 4001) });

        await empty.ShouldBeProblem(HttpStatusCode.BadRequest, "message-empty");
        await tooLong.ShouldBeProblem(HttpStatusCode.BadRequest, "message-too-long");
        Assert.Equal("original", (await bob.PageAsync(channel.Id)).Messages.Single().Content);
        await bobLive.AssertNoneAsync<MessageDto>(Edited);
    }

    [Fact]
    public async Task A_deleted_message_stays_as_a_tombstone_for_everyone()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await bob.SendAsync(channel.Id, "before");
        var sent = await alice.SendAsync(channel.Id, $"Secret plan for @{bob.Handle}");
        await bob.SendAsync(channel.Id, "after");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var deleted = await alice.DeleteMessageAsync(channel.Id, sent.Id);

        var announced = await bobLive.NextAsync<MessageDto>(Deleted);
        var history = (await bob.PageAsync(channel.Id)).Messages;
        foreach (var tombstone in new[] { deleted, announced, history[1] })
        {
            Assert.Equal((sent.Id, 2L, alice.Id), (tombstone.Id, tombstone.Seq, tombstone.SenderId));
            Assert.True(tombstone.Deleted);
            Assert.NotNull(tombstone.DeletedAt);
            Assert.Null(tombstone.Content);
            Assert.Null(tombstone.Html);
            Assert.Empty(tombstone.Mentions);
        }
        Assert.Equal(["before", null, "after"], history.Select(m => m.Content));
        Assert.Empty(await alice.GetOkAsync<List<AuditEventDto>>(DeletionsByOthers));
        await malloryLive.AssertNoneAsync<MessageDto>(Deleted);
    }

    [Fact]
    public async Task A_plain_member_cannot_delete_someone_elses_message()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var sent = await alice.SendAsync(channel.Id, "keep me");
        await using var aliceLive = await app.ConnectAsync(alice);

        var response = await bob.DeleteAsync(MessageAt(channel.Id, sent.Id));

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "not-the-sender");
        Assert.Equal("keep me", (await alice.PageAsync(channel.Id)).Messages.Single().Content);
        await aliceLive.AssertNoneAsync<MessageDto>(Deleted);
    }

    [Fact]
    public async Task A_channel_moderator_deletes_someone_elses_message_and_it_is_audited()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob, carol);
        await (await alice.PutAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}/role", new { role = "moderator" })).ShouldBe(HttpStatusCode.OK);
        var sent = await bob.SendAsync(channel.Id, "spam spam spam");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var deleted = await carol.DeleteMessageAsync(channel.Id, sent.Id);

        var announced = await bobLive.NextAsync<MessageDto>(Deleted);
        Assert.True(deleted.Deleted);
        Assert.Equal((sent.Id, true, (string?)null), (announced.Id, announced.Deleted, announced.Content));
        var audited = Assert.Single(await alice.GetOkAsync<List<AuditEventDto>>(DeletionsByOthers));
        Assert.Equal((carol.Id, "message", sent.Id.ToString()), (audited.ActorId, audited.TargetType, audited.TargetId));
        Assert.Equal(bob.Id, audited.Data!.Value.GetProperty("sender").GetGuid());
        Assert.Equal(channel.Id, audited.Data!.Value.GetProperty("conversationId").GetInt64());
        Assert.DoesNotContain("spam", audited.Data!.Value.GetRawText());
        await malloryLive.AssertNoneAsync<MessageDto>(Deleted);
    }

    [Fact]
    public async Task An_organization_admin_deletes_any_message_in_a_public_channel_and_it_is_audited()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, dana, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Dana", "admin"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("general", "public", bob);
        var sent = await bob.SendAsync(channel.Id, "off-topic rant");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var deleted = await dana.DeleteMessageAsync(channel.Id, sent.Id);

        Assert.True((await bobLive.NextAsync<MessageDto>(Deleted, m => m.Id == sent.Id)).Deleted);
        Assert.True(deleted.Deleted);
        var audited = Assert.Single(await dana.GetOkAsync<List<AuditEventDto>>(DeletionsByOthers));
        Assert.Equal((dana.Id, sent.Id.ToString()), (audited.ActorId, audited.TargetId));
        await malloryLive.AssertNoneAsync<MessageDto>(Deleted);
    }

    [Fact]
    public async Task Deleting_twice_is_a_conflict_and_a_deleted_message_cannot_be_edited()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var sent = await alice.SendAsync(channel.Id, "once");
        await alice.DeleteMessageAsync(channel.Id, sent.Id);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var bobLive = await app.ConnectAsync(bob);

        var again = await alice.DeleteAsync(MessageAt(channel.Id, sent.Id));
        var edit = await alice.PatchAsync(MessageAt(channel.Id, sent.Id), new { content = "back from the dead" });

        await again.ShouldBeProblem(HttpStatusCode.Conflict, "message-deleted");
        await edit.ShouldBeProblem(HttpStatusCode.Conflict, "message-deleted");
        Assert.Null((await bob.PageAsync(channel.Id)).Messages.Single().Content);
        await bobLive.AssertNoneAsync<MessageDto>(Deleted);
        await aliceLive.AssertNoneAsync<MessageDto>(Edited);
    }
}

public sealed class SqliteEditAndDeleteTests(SqliteApp app) : EditAndDeleteTests(app);

public sealed class PostgresEditAndDeleteTests : EditAndDeleteTests
{
    public PostgresEditAndDeleteTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
