using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Records;

/// <summary>
/// Tampers with an organization's stored record a thousand ways, at random but reproducibly, and asserts that the
/// integrity check catches each one and names the entry it is about. Each tampering is applied, checked and undone, and
/// the check must then find the database intact again, so no tampering hides behind another.
/// </summary>
public abstract class MutationTests(DatabaseProvider engine)
{
    private const int Tamperings = 1000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Columns that are not part of what the record proves, each with the reason. Everything else of the tables below is
    /// tampered with, and must be caught.
    /// </summary>
    public static readonly Dictionary<string, string> OutsideTheRecord = new()
    {
        ["RecordEntry.Id"] = "the row's surrogate key: no leaf holds it; an entry's place is its Index and LeafIndex",
        ["AuditEvent.Id"] = "the row's surrogate key: no leaf holds it; an event's place is its Index and LeafIndex",
        ["Message.Id"] = "the row's surrogate key, which reactions, mentions and files refer to; the record names a message by its Seq, and every reference is checked through it",
        ["Message.ClientMessageId"] = "the sending client's idempotency key for retries, not a fact of the conversation",
        ["Message.MentionsChannel"] = "a cached flag derived from the text for notifications (like the Mentions table)",
        ["Conversation.Id"] = "the key every row of the conversation refers to: changing it moves every row, which the ConversationId tamperings cover one row at a time",
        ["Conversation.NormalizedName"] = "a lookup key derived from Name (for uniqueness); Name itself is checked",
        ["Conversation.DirectKey"] = "a lookup key derived from a direct conversation's members, to find it again; the members are checked",
        ["Conversation.Version"] = "optimistic concurrency token, changed by every write",
        ["Conversation.IsDefault"] = "organization configuration (the channels newcomers join), not a fact of the conversation; each change of it is an organization-settings-changed audit event, and each join it causes is recorded",
        ["ConversationMember.LastReadSeq"] = "the member's read position, private state no entry records",
        ["ConversationMember.Notifications"] = "the member's own notification level (all, mentions, muted), private state no entry records",
        ["SignedCheckpoint.Id"] = "the row's surrogate key; a checkpoint is its signed note",
        ["SignedCheckpoint.CreatedAt"] = "when this server signed it; not in the signed note, which is what witnesses hold",
        ["SignedCheckpoint.OrganizationId"] = "moving a checkpoint row to another organization is deleting it from this one: see OutsideTheCheck",
        ["SignedCheckpoint.KeyId"] = "which key row signed it, for lookups; the signed note names its key and is verified against every key",
    };

    /// <summary>Tamperings the database itself cannot be told apart from, each with the reason.</summary>
    public static readonly Dictionary<string, string> OutsideTheCheck = new()
    {
        ["delete SignedCheckpoint"] = "a checkpoint row deleted leaves a log that is still consistent; the copies at the witnesses, checked by CheckConsistencyAsync, are what proves history",
        ["delete Conversation"] = "deletes every row of the conversation (cascade); each of those deletions is a tampering of its own here",
    };

    [Fact]
    public async Task Every_tampering_of_the_stored_record_is_caught_and_named()
    {
        await using var app = await StartAsync();
        var seed = Environment.GetEnvironmentVariable("PARLEY_MUTATION_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"{engine}: seed {seed} (PARLEY_MUTATION_SEED={seed} reproduces)");
        var org = await HistoryAsync(app);
        var bench = new Bench(app, org.Id, new Random(seed));
        await bench.LoadAsync();

        var clean = await bench.CheckAsync();
        Assert.True(clean.Intact, $"seed {seed}: the untouched database: {clean.FirstBroken}");
        Assert.True(clean.CheckpointsChecked >= 2 && clean.FilesChecked >= 2, $"{clean}");

        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var table = new SortedDictionary<string, (int Count, int Detected, int Named)>(StringComparer.Ordinal);
        var refused = 0;
        var columns = new HashSet<string>(StringComparer.Ordinal);
        var refusedColumns = new HashSet<string>(StringComparer.Ordinal);
        var checking = new Stopwatch();
        while (table.Values.Sum(t => t.Count) < Tamperings)
        {
            var t = bench.Next();
            if (t is null)
                continue;
            try
            {
                await app.WithDbAsync(db => AtomicallyAsync(db, t.Apply));
            }
            catch (DbUpdateException)
            {
                refused++;                       // the schema refuses it (a unique index, a foreign key): nothing to catch
                bench.Refused(t);
                if (t.Column is { } refusedColumn)
                    refusedColumns.Add(refusedColumn);
                continue;
            }
            IntegrityReportDto report;
            string? crash = null;
            try
            {
                checking.Start();
                report = await bench.CheckAsync();
                checking.Stop();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                report = new IntegrityReportDto(true, 0, 0, 0, null);
                crash = $"the check threw {e.GetType().Name}: {e.Message}";
            }
            await app.WithDbAsync(db => AtomicallyAsync(db, t.Undo));
            checking.Start();
            var after = await bench.CheckAsync();
            checking.Stop();
            Assert.True(after.Intact, $"seed {seed}: after undoing [{t.Kind}] {t.What}: {after.FirstBroken}");

            if (t.Column is not null)
                columns.Add(t.Column);
            var detected = !report.Intact;
            var named = detected && t.Named(report.FirstBroken!);
            var row = table.GetValueOrDefault(t.Kind);
            table[t.Kind] = (row.Count + 1, row.Detected + (detected ? 1 : 0), row.Named + (named ? 1 : 0));
            if (!named)
                failures.Add($"[{t.Kind}] {t.What}: {crash ?? (detected ? $"named {report.FirstBroken}, expected {t.Expected}" : "not detected")}");
        }
        clock.Stop();

        var total = (Count: table.Values.Sum(t => t.Count), Detected: table.Values.Sum(t => t.Detected), Named: table.Values.Sum(t => t.Named));
        var lines = new StringBuilder().AppendLine($"{engine}, seed {seed}: {total.Count} tamperings in {clock.Elapsed.TotalSeconds:F1} s, {checking.Elapsed.TotalSeconds:F1} s of it in the check ({refused} refused by the schema, not counted)")
            .AppendLine($"{"kind",-44} {"count",6} {"detected",9} {"named right",12}");
        foreach (var (kind, (count, det, nam)) in table)
            lines.AppendLine($"{kind,-44} {count,6} {det,9} {nam,12}");
        lines.AppendLine($"{"total",-44} {total.Count,6} {total.Detected,9} {total.Named,12}");
        // A column the schema refused every change of (a key under a foreign key and a unique index) is protected by the
        // database itself; any other column must have been tampered with.
        var untouched = bench.Columns.Except(columns).Except(refusedColumns).Order(StringComparer.Ordinal).ToList();
        lines.AppendLine($"columns tampered with: {columns.Count} of {bench.Columns.Count}{(untouched.Count == 0 ? "" : "; never: " + string.Join(", ", untouched))}");
        output.WriteLine(lines.ToString());
        Console.WriteLine(lines.ToString());
        foreach (var (what, n) in failures.GroupBy(f => f[..f.IndexOf(']')] + (f.Contains(": ", StringComparison.Ordinal) ? " " + f.Split(": ")[1].Split(' ')[0] : "")).Select(g => (g.Key, g.Count())))
            output.WriteLine($"missed {n} × {what}");
        foreach (var f in failures)
            output.WriteLine(f);
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} tamperings not caught or not named right; first: {string.Join(Environment.NewLine, failures.Take(15))}");
        Assert.Empty(untouched);
    }

    /// <summary>A tampering in several steps is stored whole or not at all (a step the schema refuses undoes the others).</summary>
    private static async Task<int> AtomicallyAsync(ParleyDb db, Func<ParleyDb, Task> steps)
    {
        await using var tx = await db.Database.BeginTransactionAsync(Ct);
        await steps(db);
        await tx.CommitAsync(Ct);
        return 0;
    }

    private async Task<FreshApp> StartAsync()
    {
        Assert.SkipWhen(engine == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(PostgresApp.ServerSetting), "PostgreSQL is not configured.");
        // The background sequencer runs once at start and then not for a day: a tampering is never taken into the log
        // behind the test's back.
        var app = new FreshApp(engine, [new("Parley:Record:SequenceInterval", "1.00:00:00"), new("Parley:Record:ConsistencyInterval", "1.00:00:00")]);
        await app.InitializeAsync();
        return app;
    }

    /// <summary>
    /// Channels public and private, a direct and a group conversation; members added, joined, left, removed, a role changed;
    /// renamed, topic, archived and unarchived; posts, a reply, edits, reactions, deletions by the sender and by a moderator,
    /// files uploaded and attached, one erasure; two checkpoints, the second of everything.
    /// </summary>
    private static async Task<Org> HistoryAsync(ParleyApp app)
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var (bob, carol, dan) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dan"));

        var general = await alice.CreateChannelAsync("general", "public", bob);
        await (await carol.PostAsync($"/api/v1/conversations/{general.Id}/join")).ShouldBe(HttpStatusCode.OK);
        await (await alice.PostAsync($"/api/v1/conversations/{general.Id}/members", new { userId = dan.Id })).ShouldBe2xx();
        await (await alice.PutAsync($"/api/v1/conversations/{general.Id}/members/{bob.Id}/role", new { role = "moderator" })).ShouldBe2xx();
        await (await alice.PatchAsync($"/api/v1/conversations/{general.Id}", new { name = "general-talk" })).ShouldBe(HttpStatusCode.OK);
        await (await alice.PatchAsync($"/api/v1/conversations/{general.Id}", new { topic = "Anything *goes*" })).ShouldBe(HttpStatusCode.OK);
        var hello = await alice.SendAsync(general.Id, "Hello **all**");
        var plan = await bob.SendAsync(general.Id, "The plan: see `notes`");
        await carol.SendAsync(general.Id, "Sounds good", threadRootId: plan.Id);
        var oops = await carol.SendAsync(general.Id, "oops, wrong channel");
        var spam = await dan.SendAsync(general.Id, "buy now");
        await alice.EditAsync(general.Id, hello.Id, "Hello **everyone**");
        await (await carol.PutAsync(ReactionAt(general.Id, plan.Id, "👍"))).ShouldBe(HttpStatusCode.OK);
        await (await dan.PutAsync(ReactionAt(general.Id, plan.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await (await alice.PutAsync(ReactionAt(general.Id, hello.Id, ":wave:"))).ShouldBe(HttpStatusCode.OK);
        await (await dan.DeleteAsync(ReactionAt(general.Id, plan.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await carol.DeleteMessageAsync(general.Id, oops.Id);
        await bob.DeleteMessageAsync(general.Id, spam.Id);
        var notes = await bob.UploadOkAsync(general.Id, Encoding.UTF8.GetBytes("meeting notes, v1"), "notes.txt");
        var draft = await bob.UploadOkAsync(general.Id, Encoding.UTF8.GetBytes("a draft never sent"), "draft.md", "text/markdown");
        await (await bob.SendWithFilesAsync(general.Id, "Notes attached", notes.Id)).ShouldBe(HttpStatusCode.Created);
        await (await carol.PostAsync($"/api/v1/conversations/{general.Id}/leave")).ShouldBe2xx();
        await (await alice.DeleteAsync($"/api/v1/conversations/{general.Id}/members/{dan.Id}")).ShouldBe2xx();
        await (await alice.PostAsync($"/api/v1/conversations/{general.Id}/archive")).ShouldBe(HttpStatusCode.OK);
        await (await alice.PostAsync($"/api/v1/conversations/{general.Id}/unarchive")).ShouldBe(HttpStatusCode.OK);
        var secret = await alice.SendAsync(general.Id, "my phone is 555-0100");
        await alice.EditAsync(general.Id, secret.Id, "my phone is 555-0199");

        var sequencer = app.Services.GetRequiredService<RecordSequencer>();
        await sequencer.CheckpointAsync(org.Id, Ct);

        var deals = await alice.CreateChannelAsync("deals", "private", bob);
        var offer = await bob.SendAsync(deals.Id, "Offer: 10k");
        var contract = await alice.UploadOkAsync(deals.Id, Encoding.UTF8.GetBytes("%PDF-1.7 contract"), "contract.pdf", "application/pdf");
        await (await alice.SendWithFilesAsync(deals.Id, "Signed", contract.Id)).ShouldBe(HttpStatusCode.Created);
        await (await alice.PutAsync(ReactionAt(deals.Id, offer.Id, "✅"))).ShouldBe(HttpStatusCode.OK);
        var direct = await alice.OpenDirectAsync(bob);
        var ping = await alice.SendAsync(direct.Id, "ping");
        await bob.SendAsync(direct.Id, "pong");
        await (await bob.PutAsync(ReactionAt(direct.Id, ping.Id, "🏓"))).ShouldBe(HttpStatusCode.OK);
        var group = await alice.OpenDirectAsync(bob, carol);
        await carol.SendAsync(group.Id, "group hello");
        await bob.SendAsync(group.Id, "hi both");
        await (await alice.PostAsync($"/api/v1/conversations/{deals.Id}/archive")).ShouldBe(HttpStatusCode.OK);
        await app.OrganizationAsync();          // a bystander whose log was never started, for rows moved out of this one

        var secretSeq = (await alice.MessagesAsync(general.Id)).Messages.Single(m => m.Id == secret.Id).Seq;
        var erased = await app.WithDbAsync(db => db.EraseMessageAsync(org.Id, general.Id, secretSeq,
            ErasureReason.LegalRequest, "ticket 42", alice.Id, DateTimeOffset.UtcNow, Ct));
        Assert.NotNull(erased);
        await sequencer.CheckpointAsync(org.Id, Ct);
        _ = draft;
        return org;
    }

    [Fact]
    public async Task A_restored_backup_is_caught_as_rolled_back_by_the_published_checkpoint()
    {
        await using var app = await StartAsync();
        var (org, sequencer) = (await app.OrganizationAsync(), app.Services.GetRequiredService<RecordSequencer>());
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("ops", "public", bob);
        await org.Owner.SendAsync(channel.Id, "before the backup");
        await sequencer.CheckpointAsync(org.Id, Ct);
        await sequencer.SequenceAsync(org.Id, Ct);          // the signing key's audit event, written as the checkpoint was signed
        var backup = await Bench.HeadsAsync(app, org.Id, channel.Id);
        await bob.SendAsync(channel.Id, "after the backup");
        await org.Owner.SendAsync(channel.Id, "and this");
        var published = await sequencer.CheckpointAsync(org.Id, Ct);
        Assert.True(published.Size > backup.Size);

        await Bench.RewindAsync(app, org.Id, channel.Id, backup);
        var alone = await org.Owner.IntegrityAsync();
        Assert.True(alone.Intact, $"the database alone looks intact: {alone.FirstBroken}");

        var problem = await sequencer.CheckConsistencyAsync(org.Id, Ct);

        Assert.StartsWith("rolled back", problem);
        await AssertAlarmedAsync(app, org, "rolled back");
    }

    [Fact]
    public async Task A_rewritten_history_is_caught_by_the_published_checkpoint()
    {
        await using var app = await StartAsync();
        var (org, sequencer) = (await app.OrganizationAsync(), app.Services.GetRequiredService<RecordSequencer>());
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("ops", "public", bob);
        await org.Owner.SendAsync(channel.Id, "the deal is off");
        await bob.SendAsync(channel.Id, "understood");
        await sequencer.CheckpointAsync(org.Id, Ct);

        await sequencer.SequenceAsync(org.Id, Ct);
        await Bench.RewriteAsync(app, org.Id, channel.Id, "the deal is on");
        var alone = await org.Owner.IntegrityAsync();
        Assert.True(alone.Intact, $"the database alone looks intact: {alone.FirstBroken}");
        Assert.Equal("the deal is on", (await org.Owner.MessagesAsync(channel.Id)).Messages.Single(m => m.Seq == 1).Content);

        var problem = await sequencer.CheckConsistencyAsync(org.Id, Ct);

        Assert.StartsWith("rewritten", problem);
        await AssertAlarmedAsync(app, org, "rewritten");
    }

    private static async Task AssertAlarmedAsync(ParleyApp app, Org org, string problem)
    {
        using var anonymous = app.Http();
        var ready = await anonymous.GetAsync("/readyz", Ct);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync(Ct));
        var health = await app.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>()
            .CheckHealthAsync(c => c.Tags.Contains("ready"), Ct);
        Assert.Contains(health.Entries.Values, e => e.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded
            && e.Description!.Contains(org.Id.ToString()) && e.Description.Contains(problem));
        var audit = await app.WithDbAsync(db => db.AuditEvents.Where(a => a.OrganizationId == org.Id && a.Action == AuditAction.RecordInconsistent).ToListAsync(Ct));
        Assert.Contains(audit, a => a.Data!.Contains(problem));
    }
}

public sealed class SqliteMutationTests() : MutationTests(DatabaseProvider.Sqlite);

public sealed class PostgresMutationTests() : MutationTests(DatabaseProvider.Postgres);

internal static class ResponseChecks
{
    public static async Task ShouldBe2xx(this HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
}

/// <summary>One tampering: how to do it, how to undo it, and which places of the record the check may name for it.</summary>
internal sealed record Tampering(string Kind, string What, Func<ParleyDb, Task> Apply, Func<ParleyDb, Task> Undo, Func<BrokenLinkDto, bool> Named, string Expected)
{
    /// <summary>The column changed, for a column change.</summary>
    public string? Column { get; init; }
}
