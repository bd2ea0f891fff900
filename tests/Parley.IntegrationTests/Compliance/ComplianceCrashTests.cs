extern alias cli;

using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using cli::Parley.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Compliance;
using Parley.Server.Features.Compliance.Discovery;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;

namespace Parley.IntegrationTests.Compliance;

/// <summary>
/// The server as a process of its own, killed with SIGKILL in the middle of a retention purge and in the middle of a
/// discovery export, then started again: the purge resumes and erases everything it should and nothing it must keep, and
/// the export is built again whole. The data is arranged first by an in-process server on the same database and data
/// folder, whose clock may stand in the past, so that the process, on the real clock, finds messages already old.
/// </summary>
public abstract class ComplianceCrashTests(ParleyApp app)
{
    private const int PerConversation = 20, Exported = 1200;
    private const string Exports = "/api/v1/compliance/exports";
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A purge every second, a few messages a batch and a pause after each: a purge of dozens takes seconds, not milliseconds.</summary>
    private static readonly KeyValuePair<string, string>[] SlowPurge =
    [
        new("Parley:Retention:PurgeInterval", "00:00:01"),
        new("Parley:Retention:BatchSize", "3"),
        new("Parley:Retention:BatchPause", "00:00:00.100"),
    ];

    /// <summary>
    /// The shortest lease there is, so that a build the kill cut short is taken over soon. The killed server needs it too:
    /// its lease, in the export's row, is the one that has to run out.
    /// </summary>
    private static readonly KeyValuePair<string, string>[] ShortLease =
    [
        new("Parley:Discovery:Lease", "00:00:10"),
        new("Parley:Discovery:PollInterval", "00:00:01"),
    ];

    [Fact]
    public async Task Killing_the_server_in_the_middle_of_a_purge_leaves_the_next_run_to_finish_it_and_keeps_what_is_held()
    {
        var root = Directory.CreateTempSubdirectory("parley-purge-crash-");
        try
        {
            var database = FreshApp.NewConnectionString(app.Engine);
            var data = Path.Combine(root.FullName, "data");
            var seeded = await SeedOldMessagesAsync(database, data);

            // Each server is killed in the middle of purging one kind of conversation more, whose maximum it is given once
            // ready (a restarted server resumes the purge as it starts, before a test could see it): whatever the machine's
            // speed, each kill cuts a purge short, and the next server resumes it.
            string? token = null;
            foreach (var (kind, watched) in seeded.Watched)
            {
                await using var server = await ServerProcess.StartAsync(app.Engine, database, data, SlowPurge);
               token ??= await server.SignInAsync(seeded.Email, seeded.Password);
                server.Authorize(token);
                var policy = await server.Http.PutAsJsonAsync($"/api/v1/compliance/retention/policies/kinds/{kind}", new { maximumDays = 30 }, Ct);
                Assert.True(policy.IsSuccessStatusCode, $"{(int)policy.StatusCode} {await policy.Content.ReadAsStringAsync(Ct)}");
                var left = await LeftToPurgeAsync(server, run => run.Conversations.SingleOrDefault(c => c.ConversationId == watched)?.Count ?? 0,
                    n => n <= PerConversation * 3 / 4);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50)), Ct);
                server.Kill();
                Assert.True(left > 0, $"the {kind} conversation's purge was over before the kill\n{server.LogTail()}");
            }

            await using var last = await ServerProcess.StartAsync(app.Engine, database, data, SlowPurge);
            last.Authorize(token!);
            await LeftToPurgeAsync(last, run => run.Total, n => n == 0);

            var contents = new Dictionary<long, string>();
            foreach (var conversation in seeded.Messages.Values.Select(m => m.ConversationId).Distinct())
                foreach (var message in await ChangesAsync(last, conversation))
                    contents[message.Id] = message.Content ?? "";
            foreach (var (id, sent) in seeded.Messages)
                Assert.True((sent.Purgeable ? "" : sent.Text) == contents[id],
                    $"message {id} ({(sent.Purgeable ? "purgeable" : "kept")}) reads \"{contents[id]}\"");
            var integrity = (await last.Http.GetFromJsonAsync<IntegrityReportDto>("/api/v1/admin/integrity", Ct))!;
            Assert.True(integrity.Intact, integrity.FirstBroken?.ToString());
            await AssertRecordExportVerifiesAsync(last, root.FullName);
        }
        finally
        {
            try { root.Delete(recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Killing_the_server_while_it_builds_a_discovery_export_leaves_the_export_to_be_built_again_whole()
    {
        var root = Directory.CreateTempSubdirectory("parley-export-crash-");
        try
        {
            var database = FreshApp.NewConnectionString(app.Engine);
            var data = Path.Combine(root.FullName, "data");
            var (officer, channel, seqs) = await SeedManyMessagesAsync(database, data);

            DiscoveryExportDto export;
            string token;
            await using (var server = await ServerProcess.StartAsync(app.Engine, database, data, ShortLease))
            {
                token = await server.SignInAsync(officer.Email, officer.Password);
                server.Authorize(token);
                var asked = await server.Http.PostAsJsonAsync(Exports, new { criteria = new { conversationIds = new[] { channel } }, format = "eml" }, Ct);
                Assert.True(asked.StatusCode == HttpStatusCode.Accepted, $"{(int)asked.StatusCode} {await asked.Content.ReadAsStringAsync(Ct)}");
                export = (await asked.Content.ReadFromJsonAsync<DiscoveryExportDto>(Ct))!;
                var running = await ExportAsync(server, export.Id, x => x.State != "queued" && (x.State != "running" || x.ItemsDone > 0));
                Assert.True(running is { State: "running" } && running.ItemsDone < running.ItemsTotal,
                    $"the build was {running.State} at {running.ItemsDone}/{running.ItemsTotal} before the kill\n{server.LogTail()}");
               server.Kill();
            }
            var exports = Path.Combine(data, "exports");
            Assert.True(File.Exists(Path.Combine(exports, $"{export.Id}.zip.partial")), "the kill left no half-written archive: it did not cut a build short");

            await using var restarted = await ServerProcess.StartAsync(app.Engine, database, data, ShortLease);
            restarted.Authorize(token);
            var ready = await ExportAsync(restarted, export.Id, x => x.State is not ("queued" or "running"));
            Assert.True(ready.State == "ready", $"the export is {ready.State}: {ready.Error}\n{restarted.LogTail()}");
            Assert.Equal((seqs.Count, (int?)seqs.Count), (ready.ItemsDone, ready.ItemsTotal));
            Assert.Empty(Directory.EnumerateFiles(exports, "*.partial"));

            var zip = Path.Combine(root.FullName, "export.zip");
            await File.WriteAllBytesAsync(zip, await restarted.Http.GetByteArrayAsync($"{Exports}/{export.Id}/download", Ct), Ct);
            Assert.Equal(ready.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(zip, Ct))));
            using (var archive = ZipFile.OpenRead(zip))
            {
                // One item per message matched, each as the manifest hashes it.
                using var manifest = JsonDocument.Parse(Read(archive, "manifest.json"));
                Assert.Equal(seqs.Count, manifest.RootElement.GetProperty("messages").GetInt32());
                var items = manifest.RootElement.GetProperty("items").EnumerateArray()
                    .Select(item => (Path: item.GetProperty("path").GetString()!, Sha256: item.GetProperty("sha256").GetString()!)).ToList();
                Assert.Equal(seqs.Select(seq => $"items/eml/{channel}-{seq}.eml").Order(StringComparer.Ordinal), items.Select(i => i.Path).Order(StringComparer.Ordinal));
                foreach (var (path, sha256) in items)
                    Assert.True(sha256 == Convert.ToHexStringLower(SHA256.HashData(Read(archive, path))), $"{path} is not what the manifest hashed");
            }
            var verdict = BundleVerifier.Verify(zip, await KeysAsync(restarted));
            Assert.True(verdict.Ok, verdict.Text);
        }
        finally
        {
            try { root.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private sealed record Sent(long ConversationId, string Text, bool Purgeable);

    /// <summary>The messages sent, and for each kind of conversation one whose purge the test watches.</summary>
    private sealed record Seeded(string Email, string Password, Dictionary<long, Sent> Messages, List<(string Kind, long ConversationId)> Watched);

    /// <summary>
    /// Forty days ago, in a public channel, a private one and a direct conversation: messages each kind's maximum will let
    /// go, with others a legal hold keeps (Bob's in the public channel) and others a private conversation's own policy
    /// keeps by its minimum (the ledger's); today: a recent one.
    /// </summary>
    private async Task<Seeded> SeedOldMessagesAsync(string database, string data)
    {
        await using var seeder = new Seeder(app.Engine, database, data, DateTimeOffset.UtcNow - 40 * Day);
        await seeder.InitializeAsync();
        var org = await seeder.OrganizationAsync();
        var owner = org.Owner;
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var general = await owner.CreateChannelAsync("general", "public", bob, carol);
        var board = await owner.CreateChannelAsync("board", "private", carol);
        var ledger = await owner.CreateChannelAsync("ledger", "private", carol);
        var direct = await owner.OpenDirectAsync(carol);
        var messages = new Dictionary<long, Sent>();
        async Task SendAsync(Actor from, long conversationId, string text, bool purgeable) =>
            messages.Add((await from.SendAsync(conversationId, text)).Id, new Sent(conversationId, text, purgeable));
        for (var i = 0; i < PerConversation; i++)
        {
            await SendAsync(carol, general.Id, $"general {i}", true);
            await SendAsync(i % 2 == 0 ? bob : carol, i % 2 == 0 ? general.Id : ledger.Id, $"kept {i}", false);
            await SendAsync(owner, board.Id, $"board {i}", true);
            await SendAsync(owner, direct.Id, $"direct {i}", true);
        }
        await (await owner.PutAsync($"/api/v1/compliance/retention/policies/conversations/{ledger.Id}", new { minimumDays = 3650 })).ShouldBe(HttpStatusCode.OK);
        await (await owner.PostAsync("/api/v1/compliance/holds", new { name = "Bob's case", custodianIds = new[] { bob.Id }, conversationIds = new[] { general.Id } }))
            .ShouldBe(HttpStatusCode.Created);

        seeder.Clock.Advance(40 * Day);
        await SendAsync(carol, general.Id, "recent", false);
        return new Seeded(owner.Email, owner.Password, messages, [("public", general.Id), ("private", board.Id), ("direct", direct.Id)]);
    }

    /// <summary>
    /// Bob's many messages in one channel (their numbers there), sent four at a time, and a compliance officer to export
    /// them: enough pages that the build is still running after its first progress.
    /// </summary>
    private async Task<(Actor Officer, long Channel, List<long> Seqs)> SeedManyMessagesAsync(string database, string data)
    {
        await using var seeder = new Seeder(app.Engine, database, data, DateTimeOffset.UtcNow);
        await seeder.InitializeAsync();
        var org = await seeder.OrganizationAsync();
        var (officer, bob) = (await org.MemberAsync("Olga", "compliance"), await org.MemberAsync("Bob"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        var sent = await Task.WhenAll(Enumerable.Range(0, Exported).Chunk(Exported / 4).Select(async chunk =>
        {
            var seqs = new List<long>();
            foreach (var i in chunk)
                seqs.Add((await bob.SendAsync(channel.Id, $"message {i}: the quarterly figures, once more")).Seq);
            return seqs;
        }));
        return (officer, channel.Id, [.. sent.SelectMany(seqs => seqs)]);
    }

    /// <summary>What is left to purge, as <paramref name="count"/> reads it from the dry run, once <paramref name="until"/> holds.</summary>
    private static async Task<int> LeftToPurgeAsync(ServerProcess server, Func<DryRunDto, int> count, Func<int, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var left = count((await server.Http.GetFromJsonAsync<DryRunDto>("/api/v1/compliance/retention/dry-run?limit=1", Ct))!);
            if (until(left))
                return left;
            Assert.True(DateTime.UtcNow < deadline, $"{left} messages are still to purge after 60 s\n{server.LogTail()}");
            await Task.Delay(20, Ct);       // the purge announces nothing: its progress is what the dry run reads
        }
    }

    /// <summary>The export once <paramref name="until"/> holds, read as its officer reads it.</summary>
    private static async Task<DiscoveryExportDto> ExportAsync(ServerProcess server, Guid exportId, Func<DiscoveryExportDto, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var export = (await server.Http.GetFromJsonAsync<DiscoveryExportDto>($"{Exports}/{exportId}", Ct))!;
            if (until(export))
                return export;
            Assert.True(DateTime.UtcNow < deadline, $"the export is still {export.State} at {export.ItemsDone}/{export.ItemsTotal}\n{server.LogTail()}");
            await Task.Delay(20, Ct);       // progress is what the export's row says
        }
    }

    private static async Task<List<MessageDto>> ChangesAsync(ServerProcess server, long conversationId)
    {
        var messages = new List<MessageDto>();
        for (long after = 0; ;)
        {
            var page = (await server.Http.GetFromJsonAsync<ChangesDto>($"/api/v1/conversations/{conversationId}/changes?after={after}", Ct))!;
            messages.AddRange(page.Messages);
            after = page.Position;
            if (page.Complete)
                return messages;
        }
    }

    private static async Task<List<string>> KeysAsync(ServerProcess server) =>
        [.. (await server.Http.GetFromJsonAsync<List<SigningKeyDto>>("/api/v1/admin/record/keys", Ct))!.Select(k => k.VerifierKey)];

    /// <summary>The organization's record export, checked by <c>parley verify</c> with the organization's keys.</summary>
    private static async Task AssertRecordExportVerifiesAsync(ServerProcess server, string folder)
    {
        var zip = Path.Combine(folder, "record.zip");
        await File.WriteAllBytesAsync(zip, await server.Http.GetByteArrayAsync("/api/v1/admin/record/export", Ct), Ct);
        var verdict = BundleVerifier.Verify(zip, await KeysAsync(server));
        Assert.True(verdict.Ok, verdict.Text);
    }

    private static byte[] Read(ZipArchive archive, string name)
    {
        using var stream = archive.GetEntry(name)!.Open();
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>
    /// The in-process server that arranges a test's data on the database and data folder the process then opens, with a
    /// clock of the test's (days in the past, say) and nothing running in the background.
    /// </summary>
    private sealed class Seeder(DatabaseProvider engine, string database, string data, DateTimeOffset now) : ParleyApp
    {
        public FakeTimeProvider Clock { get; } = new(now);

        protected override DatabaseProvider Provider => engine;

        protected override string ConnectionString => database;

        protected override bool KeepsOperatorSignedIn => false;

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [
            new("Parley:DataDirectory", data),
            new("Parley:Sessions:IdleTimeout", "3650.00:00:00"),
            new("Parley:Sessions:Lifetime", "3650.00:00:00"),
            new("Parley:Retention:BackgroundPurge", "false"),
            new("Parley:Discovery:BackgroundExports", "false"),
            new("Parley:Record:CheckpointInterval", "36500.00:00:00"),
            new("Parley:Record:ConsistencyInterval", "36500.00:00:00"),
            new("Parley:Record:SequenceInterval", "1.00:00:00"),
        ];

        protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
    }
}

public sealed class SqliteComplianceCrashTests(SqliteApp app) : ComplianceCrashTests(app);

public sealed class PostgresComplianceCrashTests : ComplianceCrashTests
{
    public PostgresComplianceCrashTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
