using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Records;

public abstract class IntegrityTests(ParleyApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_record_is_intact_after_a_mix_of_activity()
    {
        var (org, channel, direct) = await ActivityAsync();

        var report = await org.Owner.IntegrityAsync();

        Assert.True(report.Intact, report.FirstBroken?.ToString());
        Assert.Null(report.FirstBroken);
        Assert.Equal(2, report.ConversationsChecked);
        Assert.Equal(channel.Position + direct.Position, report.EntriesChecked);
        Assert.Equal(15, report.EntriesChecked);             // with the creations and memberships: 10 and 5
        Assert.Equal(report.EntriesChecked + report.AuditEventsChecked, report.LogSize);
        Assert.True(report.AuditEventsChecked >= 6, $"{report.AuditEventsChecked} audit events");
    }

    [Fact]
    public async Task Changed_content_of_an_entry_is_caught_at_that_entry()
    {
        var (org, channel, _) = await ActivityAsync();
        var bystander = await app.OrganizationAsync();

        await TamperAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.Index == 4)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Content, "{\"html\":\"<p>I never said that</p>\",\"text\":\"I never said that\"}"), Ct));

        var report = await org.Owner.IntegrityAsync();
        AssertBroken(report, "conversation", channel.Id, 4, "does not match its commitment");
        Assert.True((await bystander.Owner.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task A_changed_time_is_caught_at_that_entry()
    {
        var (org, channel, _) = await ActivityAsync();
        var at = await app.WithDbAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.Index == 3).Select(r => r.At).SingleAsync(Ct));

        await TamperAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.Index == 3)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.At, at.AddMinutes(-5)), Ct));

        AssertBroken(await org.Owner.IntegrityAsync(), "conversation", channel.Id, 3, "do not match its hash");
    }

    [Fact]
    public async Task A_changed_actor_is_caught_at_that_entry()
    {
        var (org, channel, _) = await ActivityAsync();
        var mallory = await org.MemberAsync("Mallory");

        await TamperAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.Index == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ActorId, mallory.Id), Ct));

        AssertBroken(await org.Owner.IntegrityAsync(), "conversation", channel.Id, 1, "do not match its hash");
    }

    [Fact]
    public async Task A_deleted_last_entry_is_caught_as_a_chain_that_ends_early()
    {
        var (org, channel, _) = await ActivityAsync();

        await TamperAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.Index == channel.Position).ExecuteDeleteAsync(Ct));

        AssertBroken(await org.Owner.IntegrityAsync(), "conversation", channel.Id, channel.Position, "ends before its recorded head");
    }

    [Fact]
    public async Task A_deleted_middle_entry_is_caught_where_it_is_missing()
    {
        var (org, channel, _) = await ActivityAsync();

        await TamperAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.Index == 4).ExecuteDeleteAsync(Ct));

        AssertBroken(await org.Owner.IntegrityAsync(), "conversation", channel.Id, 4, "entry 4 is missing");
    }

    [Fact]
    public async Task A_message_changed_behind_the_records_back_is_caught()
    {
        var (org, channel, _) = await ActivityAsync();
        var edited = (await org.Owner.PageAsync(channel.Id)).Messages.Single(m => m.Seq == 1);

        await TamperAsync(db => db.Messages.Where(m => m.Id == edited.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Content, "forged"), Ct));

        var report = await org.Owner.IntegrityAsync();
        Assert.False(report.Intact);
        Assert.Equal(("conversation", (long?)channel.Id), (report.FirstBroken!.Chain, report.FirstBroken.ConversationId));
        Assert.Contains("message 1 differs from the record", report.FirstBroken.Problem);
        Assert.True(report.FirstBroken.Index > 0, "names the record entry that says otherwise");
    }

    [Fact]
    public async Task A_deleted_message_restored_behind_the_records_back_is_caught()
    {
        var (org, channel, _) = await ActivityAsync();
        var deleted = (await org.Owner.PageAsync(channel.Id)).Messages.Single(m => m.Deleted);

        await TamperAsync(db => db.Messages.Where(m => m.Id == deleted.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.DeletedAt, (DateTimeOffset?)null).SetProperty(m => m.Content, "Can we move it?"), Ct));

        var report = await org.Owner.IntegrityAsync();
        Assert.False(report.Intact);
        Assert.Equal(("conversation", (long?)channel.Id), (report.FirstBroken!.Chain, report.FirstBroken.ConversationId));
        Assert.Contains($"message {deleted.Seq} differs from the record", report.FirstBroken.Problem);
    }

    [Fact]
    public async Task A_message_removed_from_the_table_is_caught()
    {
        var (org, _, direct) = await ActivityAsync();
        var ping = (await org.Owner.PageAsync(direct.Id)).Messages.Single(m => m.Seq == 1);

        await TamperAsync(db => db.Messages.Where(m => m.Id == ping.Id).ExecuteDeleteAsync(Ct));

        var report = await org.Owner.IntegrityAsync();
        Assert.False(report.Intact);
        Assert.Equal(("conversation", (long?)direct.Id), (report.FirstBroken!.Chain, report.FirstBroken.ConversationId));
        Assert.Contains("message 1", report.FirstBroken.Problem);
        Assert.Equal(["pong"], (await org.Owner.PageAsync(direct.Id)).Messages.Select(m => m.Content));
    }

    [Theory]
    [InlineData("Data")]
    [InlineData("Action")]
    public async Task A_changed_audit_event_is_caught_at_that_event(string field)
    {
        var (org, _, _) = await ActivityAsync();
        var target = (await org.Owner.GetOkAsync<List<AuditEventDto>>("/api/v1/admin/audit?action=MessageDeletedByOther")).Single();

        await TamperAsync(db =>
        {
            var row = db.AuditEvents.Where(a => a.OrganizationId == org.Id && a.Index == target.Index);
            return field == "Data"
                ? row.ExecuteUpdateAsync(s => s.SetProperty(a => a.Data, "{\"note\":\"nothing happened\"}"), Ct)
                : row.ExecuteUpdateAsync(s => s.SetProperty(a => a.Action, AuditAction.LoginSucceeded), Ct);
        });

        var report = await org.Owner.IntegrityAsync();
        AssertBroken(report, "audit", null, target.Index, field == "Data" ? "does not match its commitment" : "does not match its hash");
    }

    [Fact]
    public async Task Erasing_a_message_keeps_the_record_verifiable_and_says_who_erased_it_and_why()
    {
        var (org, channel, _) = await ActivityAsync();
        var first = (await org.Owner.PageAsync(channel.Id)).Messages.Single(m => m.Seq == 1);

        var erasure = await app.WithDbAsync(db => db.EraseMessageAsync(org.Id, channel.Id, 1, ErasureReason.LegalRequest, "GDPR-2026-17",
            org.Owner.Id, DateTimeOffset.UtcNow, Ct));

        var report = await org.Owner.IntegrityAsync();
        Assert.True(report.Intact, report.FirstBroken?.ToString());
        Assert.Equal(16, report.EntriesChecked);
        var versions = await org.Owner.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, first.Id)}/versions");
        Assert.Equal(["posted", "edited"], versions.Select(v => v.Kind));
        Assert.All(versions, v => Assert.Null(v.Content));
        var entry = await app.WithDbAsync(db => db.RecordEntries.SingleAsync(r => r.ConversationId == channel.Id && r.Index == erasure, Ct));
        Assert.Equal((RecordKind.ContentErased, org.Owner.Id), (entry.Kind, entry.ActorId));
        Assert.Equal("""{"entries":[4,7],"reason":"legal-request","reference":"GDPR-2026-17"}""", entry.Data);
        Assert.Equal("", (await org.Owner.PageAsync(channel.Id)).Messages.Single(m => m.Seq == 1).Content);
    }

    [Fact]
    public async Task Content_and_salt_removed_without_an_erasure_entry_is_caught_as_tampering()
    {
        var (org, channel, _) = await ActivityAsync();

        await TamperAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.MessageSeq == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Content, (string?)null).SetProperty(r => r.Salt, (string?)null), Ct), expected: 2);

        AssertBroken(await org.Owner.IntegrityAsync(), "conversation", channel.Id, 4, "no erasure entry");
    }

    [Fact]
    public async Task Only_admins_verify_the_record_or_read_the_audit_log()
    {
        var org = await app.OrganizationAsync();
        var (bob, dana) = (await org.MemberAsync("Bob"), await org.MemberAsync("Dana", "admin"));

        var integrity = await bob.GetAsync("/api/v1/admin/integrity");
        var audit = await bob.GetAsync("/api/v1/admin/audit");

        await integrity.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await audit.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.True((await dana.IntegrityAsync()).Intact);
    }

    private async Task TamperAsync(Func<Parley.Server.Data.ParleyDb, Task<int>> change, int expected = 1) =>
        Assert.Equal(expected, await app.WithDbAsync(change));

    private static void AssertBroken(IntegrityReportDto report, string chain, long? conversationId, long index, string problem)
    {
        Assert.False(report.Intact);
        var broken = Assert.IsType<BrokenLinkDto>(report.FirstBroken);
        Assert.Equal((chain, conversationId, index), (broken.Chain, broken.ConversationId, broken.Index));
        Assert.Contains(problem, broken.Problem);
    }

    /// <summary>
    /// A channel with posts, a reply, an edit, a reaction added and removed and an admin's deletion (7 entries), and a
    /// direct conversation with 2 posts.
    /// </summary>
    private async Task<(Org Org, ConversationDto Channel, ConversationDto Direct)> ActivityAsync()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var first = await alice.SendAsync(channel.Id, "Kickoff at 9");
        var second = await bob.SendAsync(channel.Id, "Can we move it?");
        await bob.SendAsync(channel.Id, "Sorry, 9 is fine", threadRootId: first.Id);
        await alice.EditAsync(channel.Id, first.Id, "Kickoff at 9:30");
        await (await alice.PutAsync(ReactionAt(channel.Id, second.Id, "👍"))).ShouldBe(HttpStatusCode.OK);
        await (await alice.DeleteAsync(ReactionAt(channel.Id, second.Id, "👍"))).ShouldBe(HttpStatusCode.OK);
        await alice.DeleteMessageAsync(channel.Id, second.Id);
        var direct = await alice.OpenDirectAsync(bob);
        await alice.SendAsync(direct.Id, "ping");
        await bob.SendAsync(direct.Id, "pong");
        return (org, await alice.ConversationAsync(channel.Id), await alice.ConversationAsync(direct.Id));
    }
}

public sealed class SqliteIntegrityTests(SqliteApp app) : IntegrityTests(app);

public sealed class PostgresIntegrityTests : IntegrityTests
{
    public PostgresIntegrityTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
