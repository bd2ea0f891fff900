using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Compliance;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using Parley.Server.Platform;

namespace Parley.IntegrationTests.Compliance;

/// <summary>
/// A server whose clock the tests move by days, with sessions that outlive it, no background purge (the tests purge on
/// demand, so nothing runs behind their backs) and batches small enough that every purge takes several.
/// </summary>
public abstract class RetentionApp : ParleyApp
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override bool KeepsOperatorSignedIn => false;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Parley:Sessions:IdleTimeout", "3650.00:00:00"),
        new("Parley:Sessions:Lifetime", "3650.00:00:00"),
        new("Parley:Retention:BackgroundPurge", "false"),
        // The record's timed rounds would fire on every jump of the clock: checkpoints and proofs only on demand here.
        new("Parley:Record:CheckpointInterval", "36500.00:00:00"),
        new("Parley:Record:ConsistencyInterval", "36500.00:00:00"),
        new("Parley:Record:SequenceInterval", "1.00:00:00"),
        new("Parley:Retention:BatchSize", "3"),
        new("Parley:Retention:BatchPause", "00:00:00"),
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public sealed class SqliteRetentionApp : RetentionApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-retention-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresRetentionApp : RetentionApp
{
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}

public abstract class RetentionTests(RetentionApp app)
{
    private const string Policies = "/api/v1/compliance/retention/policies", DryRun = "/api/v1/compliance/retention/dry-run",
        Purge = "/api/v1/compliance/retention/purge", Holds = "/api/v1/compliance/holds";

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private async Task<(Org Org, Actor Officer)> OrganizationWithOfficerAsync()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        return (org, officer);
    }

    private static async Task<PurgeReport> PurgeAsync(Actor by) => await (await by.PostAsync(Purge)).ReadAsync<PurgeReport>(HttpStatusCode.OK);

    private static Task<DryRunDto> DryRunAsync(Actor by, int limit = 1000) => by.GetOkAsync<DryRunDto>($"{DryRun}?limit={limit}");

    private static List<long> Ids(DryRunDto run) => [.. run.Conversations.SelectMany(c => c.First.Select(m => m.MessageId)).Order()];

    private static async Task<HashSet<long>> ErasedAsync(Actor member, long conversationId) =>
        [.. (await member.PageAsync(conversationId)).Messages.Where(m => m.Content == "").Select(m => m.Id)];

    [Fact]
    public async Task A_compliance_officer_cannot_post_or_read_conversations_but_uses_the_compliance_api_and_the_record()
    {
        var org = await app.OrganizationAsync();
        var (bob, dana) = (await org.MemberAsync("Bob"), await org.MemberAsync("Dana", "admin"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        await bob.SendAsync(channel.Id, "hello");

        // Only an owner grants (or takes away) the role; an admin may not.
        await (await dana.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "compliance" })).ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        await (await dana.PostAsync("/api/v1/users/invites", new { email = $"x@{org.Domain}", role = "compliance" }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "compliance" })).ShouldBe(HttpStatusCode.OK);

        // Bob was a member of the channel: as a compliance officer he neither reads nor posts there.
        await (await bob.GetAsync(MessageHelpers.MessagesOf(channel.Id))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await bob.PostMessageAsync(channel.Id, new { content = "still here?", clientMessageId = Guid.NewGuid() }))
            .ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await bob.GetAsync($"/api/v1/conversations/{channel.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/join")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Empty(await bob.GetOkAsync<List<Parley.Server.Features.Conversations.ConversationDto>>("/api/v1/conversations"));
        Assert.Empty(await bob.GetOkAsync<List<Parley.Server.Features.Conversations.ConversationDto>>("/api/v1/conversations/browse"));
        await (await bob.PostAsync("/api/v1/conversations", new { name = "mine", visibility = "public" }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-cannot-converse");
        await (await bob.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { dana.Id } }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-cannot-converse");
        // No admin powers.
        await (await bob.PostAsync("/api/v1/users/invites", new { email = $"y@{org.Domain}", role = "member" })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await bob.PutAsync($"/api/v1/users/{dana.Id}/role", new { role = "member" })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await bob.PutAsync("/api/v1/compliance/settings", new { holdReleaseNeedsApproval = false })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");

        // The compliance API and the record are his.
        await (await bob.PutAsync($"{Policies}/organization", new { maximumDays = 30 })).ShouldBe(HttpStatusCode.OK);
        Assert.Single(await bob.GetOkAsync<List<RetentionPolicyDto>>(Policies));
        await (await bob.PostAsync(Holds, new { name = "Case 1" })).ShouldBe(HttpStatusCode.Created);
        Assert.True((await bob.IntegrityAsync()).Intact);
        await (await bob.GetAsync("/api/v1/admin/audit")).ShouldBe(HttpStatusCode.OK);

        // A member has no compliance powers.
        var eve = await org.MemberAsync("Eve");
        await (await eve.GetAsync(Policies)).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await eve.PostAsync(Purge)).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await eve.GetAsync(Holds)).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");

        // Made a member again, Bob reads and posts as before.
        await (await org.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "member" })).ShouldBe(HttpStatusCode.OK);
        await bob.SendAsync(channel.Id, "back");
    }

    [Fact]
    public async Task The_most_specific_policy_applies_conversation_then_kind_then_organization()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var owner = org.Owner;
        var bykind = await owner.CreateChannelAsync("by-kind", "public");
        var byconversation = await owner.CreateChannelAsync("by-conversation", "public");
        var byorganization = await owner.CreateChannelAsync("by-organization", "private");
        var sent = new[]
        {
            await owner.SendAsync(bykind.Id, "a"), await owner.SendAsync(byconversation.Id, "b"), await owner.SendAsync(byorganization.Id, "c"),
        };

        await (await officer.PutAsync($"{Policies}/organization", new { maximumDays = 30 })).ShouldBe(HttpStatusCode.OK);
        await (await officer.PutAsync($"{Policies}/kinds/public", new { maximumDays = 10 })).ShouldBe(HttpStatusCode.OK);
        // The conversation's policy applies whole: a minimum and no maximum keeps it, whatever its kind's says.
        await (await officer.PutAsync($"{Policies}/conversations/{byconversation.Id}", new { minimumDays = 5 })).ShouldBe(HttpStatusCode.OK);

        app.Clock.Advance(11 * Day);
        var run = await DryRunAsync(officer);
        Assert.Equal([sent[0].Id], Ids(run));
        Assert.Equal("kind:public", Assert.Single(run.Conversations).Policy);

        app.Clock.Advance(20 * Day);
        run = await DryRunAsync(officer);
        Assert.Equal([sent[0].Id, sent[2].Id], Ids(run));
        Assert.Equal(["kind:public", "organization"], run.Conversations.Select(c => c.Policy));

        // Removing the kind's policy hands its conversations back to the organization's default.
        await (await officer.DeleteAsync($"{Policies}/kinds/public")).ShouldBe(HttpStatusCode.NoContent);
        await (await officer.DeleteAsync($"{Policies}/kinds/public")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(["organization", "organization"], (await DryRunAsync(officer)).Conversations.Select(c => c.Policy));
    }

    [Fact]
    public async Task A_minimum_above_the_maximum_and_malformed_bodies_are_refused_with_a_code_and_change_nothing()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        await (await officer.PutAsync($"{Policies}/organization", new { minimumDays = 400, maximumDays = 365 }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "retention-minimum-above-maximum");
        await (await officer.PutAsync($"{Policies}/kinds/public", new { maximumDays = 0 })).ShouldBeProblem(HttpStatusCode.BadRequest, "retention-maximum-invalid");
        await (await officer.PutAsync($"{Policies}/kinds/public", new { minimumDays = -1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "retention-minimum-invalid");
        await (await officer.PutAsync($"{Policies}/kinds/channels", new { maximumDays = 5 })).ShouldBeProblem(HttpStatusCode.BadRequest, "conversation-kind-invalid");
        await (await officer.SendRawJsonAsync(HttpMethod.Put, $"{Policies}/organization", "{\"maximumDays\":\"soon\"}"))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await (await officer.SendRawJsonAsync(HttpMethod.Put, $"{Policies}/organization", "{\"maximumDays\":99999999999}"))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await (await officer.SendRawJsonAsync(HttpMethod.Put, $"{Policies}/organization", "not json")).ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await (await officer.SendRawJsonAsync(HttpMethod.Post, Holds, "{\"name\":\"x\",\"custodianIds\":[\"nobody\"]}"))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await (await officer.SendRawJsonAsync(HttpMethod.Post, Holds, "[1,2]")).ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await (await officer.PostAsync(Holds, new { name = "" })).ShouldBeProblem(HttpStatusCode.BadRequest, "hold-name-invalid");
        await (await officer.PostAsync(Holds, new { name = "x", from = "2026-02-01T00:00:00Z", to = "2026-01-01T00:00:00Z" }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "hold-range-invalid");
        await (await officer.PostAsync(Holds, new { name = "x", words = new[] { " " } })).ShouldBeProblem(HttpStatusCode.BadRequest, "hold-word-invalid");
        await (await officer.PostAsync(Holds, new { name = "x", custodianIds = new[] { Guid.NewGuid() } }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "hold-custodian-unknown");
        await (await officer.GetAsync($"{DryRun}?limit=0")).ShouldBeProblem(HttpStatusCode.BadRequest, "limit-invalid");
        await (await officer.GetAsync($"{DryRun}?limit=many")).ShouldBe(HttpStatusCode.BadRequest);
        await (await officer.PostAsync($"{Holds}/{Guid.NewGuid()}/release")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        Assert.Empty(await officer.GetOkAsync<List<RetentionPolicyDto>>(Policies));
        Assert.Empty(await officer.GetOkAsync<List<LegalHoldDto>>(Holds));
    }

    [Fact]
    public async Task The_purge_erases_exactly_what_the_dry_run_listed_with_their_files_and_every_chain_still_verifies()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        var dm = await bob.OpenDirectAsync(org.Owner);
        var file = await bob.UploadOkAsync(channel.Id, "minutes of the meeting"u8.ToArray(), "minutes.txt");
        var withFile = await (await bob.SendWithFilesAsync(channel.Id, "the minutes", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        var old = new List<MessageDto> { withFile };
        for (var i = 0; i < 4; i++)
            old.Add(await bob.SendAsync(channel.Id, $"old {i}"));
        old.Add(await bob.SendAsync(dm.Id, "old and direct"));
        var edited = await bob.SendAsync(channel.Id, "first version");
        await bob.EditAsync(channel.Id, edited.Id, "second version");
        var deleted = await bob.SendAsync(channel.Id, "deleted but recorded");
        await bob.DeleteMessageAsync(channel.Id, deleted.Id);
        old.AddRange([edited, deleted]);
        app.Clock.Advance(40 * Day);
        var recent = await bob.SendAsync(channel.Id, "recent");
        await (await officer.PutAsync($"{Policies}/organization", new { maximumDays = 30 })).ShouldBe(HttpStatusCode.OK);

        var run = await DryRunAsync(officer);
        Assert.Equal(old.Select(m => m.Id).Order(), Ids(run));
        Assert.Equal(old.Count, run.Total);
        Assert.Equal(2, (await DryRunAsync(officer, limit: 2)).Conversations.Single(c => c.ConversationId == channel.Id).First.Count);
        Assert.Empty(await ErasedAsync(bob, channel.Id));           // the dry run changed nothing

        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("minutes of the meeting"u8));
        var bytes = Path.Combine(app.FilesDirectory(), org.Id.ToString("D"), sha256[..2], sha256[2..4], sha256);
        Assert.True(File.Exists(bytes));

        var report = await PurgeAsync(officer);

        Assert.Equal(old.Count, report.Erased);
        Assert.Equal(1, report.FilesErased);
        Assert.Equal([channel.Id, dm.Id], report.Conversations.Select(c => c.ConversationId).Order());
        var erased = await ErasedAsync(bob, channel.Id);
        Assert.Equal(old.Where(m => m.ConversationId == channel.Id && m.Id != deleted.Id).Select(m => m.Id).Order(), erased.Order());
        Assert.Equal("recent", (await bob.PageAsync(channel.Id)).Messages.Single(m => m.Id == recent.Id).Content);
        await (await bob.GetAsync($"/api/v1/files/{file.Id}")).ShouldBeProblem(HttpStatusCode.Gone, "file-erased");
        Assert.False(File.Exists(bytes));
        var integrity = await org.Owner.IntegrityAsync();
        Assert.True(integrity.Intact, integrity.FirstBroken?.ToString());

        // Nothing is left to purge: a second run (or one resumed after a crash) finds the erased ones no more.
        Assert.Equal(0, (await PurgeAsync(officer)).Erased);
        Assert.Equal(0, (await DryRunAsync(officer)).Total);
        var audit = await officer.GetOkAsync<List<Parley.Server.Features.AuditLog.AuditEventDto>>("/api/v1/admin/audit?action=RetentionPurged");
        Assert.Single(audit);
    }

    [Fact]
    public async Task A_hold_keeps_what_it_covers_from_the_purge_and_after_its_release_the_next_purge_removes_it()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await org.Owner.CreateChannelAsync("deals", "public", bob, carol);
        var fromBob = await bob.SendAsync(channel.Id, "the price is fixed");
        var fromCarol = await carol.SendAsync(channel.Id, "see you at lunch");
        var carolsResume = await carol.SendAsync(channel.Id, "Mon Résumé est prêt");
        app.Clock.Advance(40 * Day);
        await (await officer.PutAsync($"{Policies}/organization", new { maximumDays = 30 })).ShouldBe(HttpStatusCode.OK);

        var custodian = await (await officer.PostAsync(Holds, new { name = "Bob's case", custodianIds = new[] { bob.Id }, conversationIds = new[] { channel.Id } }))
            .ReadAsync<LegalHoldDto>(HttpStatusCode.Created);
        // Words match whatever their case and accents, French and English alike.
        var words = await (await officer.PostAsync(Holds, new { name = "Résumés", words = new[] { "resume" } })).ReadAsync<LegalHoldDto>(HttpStatusCode.Created);
        Assert.Equal("active", custodian.Status);

        Assert.Equal([fromCarol.Id], Ids(await DryRunAsync(officer)));
        Assert.Equal(1, (await PurgeAsync(officer)).Erased);
        Assert.Equal([fromCarol.Id], await ErasedAsync(bob, channel.Id));

        // A held message cannot be erased by any other path either.
        var refused = await Assert.ThrowsAsync<DomainException>(() => app.WithDbAsync(db => db.EraseMessageAsync(org.Id, channel.Id, fromBob.Seq,
            ErasureReason.LegalRequest, "GDPR-1", org.Owner.Id, app.Clock.GetUtcNow(), TestContext.Current.CancellationToken)));
        Assert.Equal("legal-hold", refused.Code);

        var released = await (await officer.PostAsync($"{Holds}/{custodian.Id}/release")).ReadAsync<LegalHoldDto>(HttpStatusCode.OK);
        Assert.Equal("released", released.Status);
        await (await officer.PostAsync($"{Holds}/{custodian.Id}/release")).ShouldBeProblem(HttpStatusCode.Conflict, "hold-released");
        Assert.Equal([fromCarol.Id], await ErasedAsync(bob, channel.Id));   // releasing erased nothing by itself
        Assert.Equal(1, (await PurgeAsync(officer)).Erased);
        Assert.Equal([fromBob.Id, fromCarol.Id], (await ErasedAsync(bob, channel.Id)).Order());

        await (await officer.PostAsync($"{Holds}/{words.Id}/release")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(1, (await PurgeAsync(officer)).Erased);
        Assert.Contains(carolsResume.Id, await ErasedAsync(bob, channel.Id));
        Assert.True((await org.Owner.IntegrityAsync()).Intact);
        var actions = (await officer.GetOkAsync<List<Parley.Server.Features.AuditLog.AuditEventDto>>("/api/v1/admin/audit")).Select(a => a.Action).ToList();
        Assert.Equal(2, actions.Count(a => a == "LegalHoldCreated"));
        Assert.Equal(2, actions.Count(a => a == "LegalHoldReleased"));
        Assert.Contains("RetentionPolicyChanged", actions);
    }

    [Fact]
    public async Task Where_the_organization_requires_it_a_release_waits_for_a_second_approver_and_holds_meanwhile()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var dana = await org.MemberAsync("Dana", "admin");
        var channel = await org.Owner.CreateChannelAsync("general", "public");
        var message = await org.Owner.SendAsync(channel.Id, "keep me");
        app.Clock.Advance(40 * Day);
        await (await officer.PutAsync($"{Policies}/organization", new { maximumDays = 30 })).ShouldBe(HttpStatusCode.OK);
        await (await dana.PutAsync("/api/v1/compliance/settings", new { holdReleaseNeedsApproval = true })).ShouldBe(HttpStatusCode.OK);
        var hold = await (await officer.PostAsync(Holds, new { name = "Audit 2026", conversationIds = new[] { channel.Id } }))
            .ReadAsync<LegalHoldDto>(HttpStatusCode.Created);

        await (await officer.PostAsync($"{Holds}/{hold.Id}/approve-release")).ShouldBeProblem(HttpStatusCode.Conflict, "hold-release-not-requested");
        var pending = await (await officer.PostAsync($"{Holds}/{hold.Id}/release")).ReadAsync<LegalHoldDto>(HttpStatusCode.OK);
        Assert.Equal("release-pending", pending.Status);
        Assert.Equal(0, (await PurgeAsync(officer)).Erased);
        await (await officer.PostAsync($"{Holds}/{hold.Id}/approve-release")).ShouldBeProblem(HttpStatusCode.Forbidden, "hold-second-approver-required");
        await (await officer.PostAsync($"{Holds}/{hold.Id}/release")).ShouldBeProblem(HttpStatusCode.Conflict, "hold-release-pending");

        var approved = await (await dana.PostAsync($"{Holds}/{hold.Id}/approve-release")).ReadAsync<LegalHoldDto>(HttpStatusCode.OK);

        Assert.Equal("released", approved.Status);
        Assert.Equal(officer.Id, approved.ReleaseRequestedBy);
        Assert.Equal(dana.Id, approved.ReleasedBy);
        Assert.Equal([message.Id], Ids(await DryRunAsync(officer)));
        Assert.Equal(1, (await PurgeAsync(officer)).Erased);
        var actions = (await dana.GetOkAsync<List<Parley.Server.Features.AuditLog.AuditEventDto>>("/api/v1/admin/audit")).Select(a => a.Action).ToList();
        Assert.Contains("LegalHoldReleaseRequested", actions);
        Assert.Contains("ComplianceSettingsChanged", actions);
    }

    [Fact]
    public async Task A_minimum_stops_every_erasure_while_a_deletion_keeps_the_record()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var channel = await org.Owner.CreateChannelAsync("ledger", "private");
        var message = await org.Owner.SendAsync(channel.Id, "must stay seven years");
        await (await officer.PutAsync($"{Policies}/conversations/{channel.Id}", new { minimumDays = 2555, maximumDays = 2556 })).ShouldBe(HttpStatusCode.OK);

        await org.Owner.DeleteMessageAsync(channel.Id, message.Id);       // gone from view, kept in the record
        var refused = await Assert.ThrowsAsync<DomainException>(() => app.WithDbAsync(db => db.EraseMessageAsync(org.Id, channel.Id, message.Seq,
            ErasureReason.LegalRequest, "GDPR-2", org.Owner.Id, app.Clock.GetUtcNow(), TestContext.Current.CancellationToken)));
        Assert.Equal("retention-minimum", refused.Code);
        Assert.Equal(0, (await PurgeAsync(officer)).Erased);
        var versions = await org.Owner.GetAsync($"{MessageHelpers.MessageAt(channel.Id, message.Id)}/versions");
        Assert.Contains("must stay seven years", await versions.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_officer_lists_every_conversation_of_the_organization_with_its_members_and_nothing_of_another()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var bob = await org.MemberAsync("Bob");
        var board = await org.Owner.CreateChannelAsync("board", "private", bob);
        var direct = await org.Owner.OpenDirectAsync(bob);
        await bob.SendAsync(board.Id, "not for the list");
        var (other, stranger) = await OrganizationWithOfficerAsync();
        await other.Owner.CreateChannelAsync("theirs", "public");

        var listed = await officer.GetOkAsync<List<ComplianceConversationDto>>("/api/v1/compliance/conversations");
        Assert.Equal([board.Id, direct.Id], listed.Select(c => c.Id).Order());
        var privateOne = listed.Single(c => c.Id == board.Id);
        Assert.Equal(("private", "board"), (privateOne.Kind, privateOne.Name));
        Assert.Equal(new[] { bob.Id, org.Owner.Id }.Order(), privateOne.MemberIds.Order());
        Assert.Equal("direct", listed.Single(c => c.Id == direct.Id).Kind);
        Assert.Equal(2, (await org.Owner.GetOkAsync<List<ComplianceConversationDto>>("/api/v1/compliance/conversations")).Count);
        Assert.DoesNotContain(await stranger.GetOkAsync<List<ComplianceConversationDto>>("/api/v1/compliance/conversations"),
            c => c.Id == board.Id || c.Id == direct.Id);
        await (await bob.GetAsync("/api/v1/compliance/conversations")).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
    }

    [Fact]
    public async Task Another_organizations_holds_policies_and_conversations_look_like_missing_ones()
    {
        var (org, officer) = await OrganizationWithOfficerAsync();
        var channel = await org.Owner.CreateChannelAsync("general", "public");
        var hold = await (await officer.PostAsync(Holds, new { name = "Ours" })).ReadAsync<LegalHoldDto>(HttpStatusCode.Created);
        await (await officer.PutAsync($"{Policies}/conversations/{channel.Id}", new { maximumDays = 10 })).ShouldBe(HttpStatusCode.OK);
        var (other, stranger) = await OrganizationWithOfficerAsync();
        var missing = Guid.NewGuid();

        foreach (var caller in new[] { stranger, other.Owner })
        {
            Assert.Equal(await (await caller.GetAsync($"{Holds}/{missing}")).ProblemWithoutTraceAsync(),
                await (await caller.GetAsync($"{Holds}/{hold.Id}")).ProblemWithoutTraceAsync());
            await (await caller.PostAsync($"{Holds}/{hold.Id}/release")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await caller.PostAsync($"{Holds}/{hold.Id}/approve-release")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await caller.PutAsync($"{Policies}/conversations/{channel.Id}", new { maximumDays = 1 })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await caller.DeleteAsync($"{Policies}/conversations/{channel.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            await (await caller.PostAsync(Holds, new { name = "Theirs", conversationIds = new[] { channel.Id } }))
                .ShouldBeProblem(HttpStatusCode.BadRequest, "hold-conversation-unknown");
            await (await caller.PostAsync(Holds, new { name = "Theirs", custodianIds = new[] { org.Owner.Id } }))
                .ShouldBeProblem(HttpStatusCode.BadRequest, "hold-custodian-unknown");
            Assert.Empty(await caller.GetOkAsync<List<LegalHoldDto>>(Holds));
            Assert.Empty(await caller.GetOkAsync<List<RetentionPolicyDto>>(Policies));
        }
        Assert.Equal("active", (await officer.GetOkAsync<LegalHoldDto>($"{Holds}/{hold.Id}")).Status);
        Assert.Equal(10, Assert.Single(await officer.GetOkAsync<List<RetentionPolicyDto>>(Policies)).MaximumDays);
    }
}

public sealed class SqliteRetentionTests(SqliteRetentionApp app) : RetentionTests(app), IClassFixture<SqliteRetentionApp>;

public sealed class PostgresRetentionTests : RetentionTests, IClassFixture<PostgresRetentionApp>
{
    private readonly PostgresRetentionApp _app;

    public PostgresRetentionTests(PostgresRetentionApp app) : base(app)
    {
        Engines.SkipUnlessConfigured(app);
        _app = app;
    }

    /// <summary>
    /// PostgreSQL runs transactions side by side (SQLite has one writer at a time): an erasure that reads the holds while a
    /// hold is being made, and commits after it, would erase what the hold covers. It waits for the hold instead, and the
    /// hold keeps the message.
    /// </summary>
    [Fact]
    public async Task An_erasure_racing_a_legal_hold_being_made_waits_for_it_and_keeps_what_it_holds()
    {
        var ct = TestContext.Current.CancellationToken;
        var org = await _app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("deals", "public", bob);
        var held = await bob.SendAsync(channel.Id, "the side letter");

        // A hold being made: its audit event holds the organization's row; the hold is not committed yet.
        await using var making = _app.Services.CreateAsyncScope();
        var db = making.ServiceProvider.GetRequiredService<ParleyDb>();
        await using var tx = await db.BeginWriteAsync(ct);
        var now = _app.Clock.GetUtcNow();
        await db.AuditAsync(org.Id, AuditAction.LegalHoldCreated, org.Owner.Id, "legal-hold", "racing", null, null, now, ct);
        db.LegalHolds.Add(new LegalHold(org.Id, "Racing", [bob.Id], [], null, null, [], org.Owner.Id, now));
        await db.SaveChangesAsync(ct);

        var erasure = _app.WithDbAsync(other => other.EraseMessageAsync(org.Id, channel.Id, held.Seq, ErasureReason.LegalRequest, "GDPR-race",
            org.Owner.Id, now, ct));
        await UntilWaitingOnALockAsync(db, erasure, ct);
        await tx.CommitAsync(ct);

        var refused = await Assert.ThrowsAsync<DomainException>(() => erasure);
        Assert.Equal("legal-hold", refused.Code);
        Assert.Equal("the side letter", Assert.Single((await org.Owner.PageAsync(channel.Id)).Messages, m => m.Id == held.Id).Content);
    }

    /// <summary>Until another session waits on a row lock (the erasure, queued behind the hold); fails if the erasure ends first.</summary>
    private static async Task UntilWaitingOnALockAsync(ParleyDb db, Task erasure, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        while (!erasure.IsCompleted)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
            command.CommandText = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
            if ((long)(await command.ExecuteScalarAsync(ct))! > 0)
                return;
            await Task.Yield();
        }
        await erasure;                                              // it did not wait: whatever it did, show it
        Assert.Fail("The erasure finished while the hold was still being made: it did not wait for it.");
    }
}
