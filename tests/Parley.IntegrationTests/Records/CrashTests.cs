using System.Net;
using System.Net.Http.Json;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using Parley.Server.Features.Records.Log;

namespace Parley.IntegrationTests.Records;

/// <summary>
/// The server as a process of its own, killed with SIGKILL while people send and while it sequences, signs and
/// publishes checkpoints many times a second: nothing acknowledged is lost, the record stays intact, and every
/// checkpoint a witness received is one the log contains.
/// </summary>
public abstract class CrashTests(ParleyApp app)
{
    private const int Cycles = 4;
    private static readonly System.Collections.Concurrent.ConcurrentBag<string> Refusals = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Sequencing, signing and publishing many times a second, to a folder witness the test reads.</summary>
    private static KeyValuePair<string, string>[] Record(string witness) =>
    [
        new("Parley:Record:SequenceInterval", "00:00:00.020"),
        new("Parley:Record:CheckpointInterval", "00:00:00.050"),
        new("Parley:Record:Witnesses:Folder", witness),
    ];

    [Fact]
    public async Task Killing_the_server_while_it_checkpoints_and_publishes_loses_nothing_and_publishes_nothing_the_log_lacks()
    {
        var root = Directory.CreateTempSubdirectory("parley-crash-");
        try
        {
            var database = FreshApp.NewConnectionString(app.Engine);
            var witness = Path.Combine(root.FullName, "witness");
            var acknowledged = new HashSet<string>();
            long channel = 0;
            string? token = null;
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                await using var server = await ServerProcess.StartAsync(app.Engine, database, Path.Combine(root.FullName, "data"), Record(witness));
                token ??= await server.SignInAsync();
                server.Authorize(token);
                if (channel == 0)
                {
                    var created = await server.Http.PostAsJsonAsync("/api/v1/conversations", new { name = "crash", visibility = "public" }, Ct);
                    Assert.True(created.StatusCode == HttpStatusCode.Created,
                        $"creating the channel: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(Ct)}\n{server.LogTail()}");
                    channel = (await created.Content.ReadFromJsonAsync<ConversationDto>(Ct))!.Id;
                }
                await AssertEverythingAcknowledgedIsThereAsync(server, channel, acknowledged);

                // Senders keep sending; the server is killed mid-way, between and inside commits, signatures and publications.
                // The kill comes once this cycle has had sends acknowledged, at a random moment after.
                using var stop = new CancellationTokenSource();
                var going = new Progress(10);
                var senders = Enumerable.Range(0, 3).Select(s => SendUntilKilledAsync(server, channel, $"c{cycle}s{s}", acknowledged, going, stop.Token)).ToList();
                await going.Reached.WaitAsync(TimeSpan.FromMinutes(2), Ct);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(300)), Ct);
                server.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(senders);
            }

            await using (var last = await ServerProcess.StartAsync(app.Engine, database, Path.Combine(root.FullName, "data"), Record(witness)))
            {
                last.Authorize(token!);
                await AssertEverythingAcknowledgedIsThereAsync(last, channel, acknowledged);
                var checkpoint = (await (await last.Http.PostAsync("/api/v1/admin/record/checkpoints", null, Ct)).Content.ReadFromJsonAsync<CheckpointDto>(Ct))!;
                var report = (await last.Http.GetFromJsonAsync<IntegrityReportDto>("/api/v1/admin/integrity", Ct))!;
                Assert.True(report.Intact, report.FirstBroken?.ToString());

                // Every checkpoint any witness holds is a prefix of the log as it is now.
                var published = Directory.EnumerateFiles(witness, "*.checkpoint", SearchOption.AllDirectories).ToList();
                Assert.True(published.Count >= 2, $"{published.Count} checkpoints published");
                foreach (var file in published)
                {
                    Assert.True(Checkpoint.TryParse((await File.ReadAllTextAsync(file, Ct)).Split("\n\n")[0] + "\n", out var held));
                    Assert.True(held!.Size <= checkpoint.Size, $"{file} holds {held.Size} leaves, the log {checkpoint.Size}");
                    if (held.Size == 0)
                        continue;
                    var proof = (await last.Http.GetFromJsonAsync<ConsistencyProofDto>(
                        $"/api/v1/admin/record/proofs/consistency?from={held.Size}&to={checkpoint.Size}", Ct))!;
                    Assert.True(Rfc9162.VerifyConsistency(held.Size, checkpoint.Size, held.Root, Convert.FromHexString(checkpoint.Root),
                        [.. proof.Proof.Select(Convert.FromHexString)]), $"{file} is not a prefix of the log");
                }
                Assert.Contains("Healthy", await last.Http.GetStringAsync("/readyz", Ct));
            }
            Assert.True(acknowledged.Count > Cycles, $"only {acknowledged.Count} sends were acknowledged; refused: {string.Join(" | ", Refusals.Take(3))}");
        }
        finally
        {
            try { root.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Completes when <paramref name="count"/> sends were acknowledged.</summary>
    private sealed class Progress(int count)
    {
        private int _done;
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        public void Acknowledged()
        {
            if (Interlocked.Increment(ref _done) >= count)
                _reached.TrySetResult();
        }
    }

    private static async Task SendUntilKilledAsync(ServerProcess server, long channel, string prefix, HashSet<string> acknowledged,
        Progress going, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var text = $"{prefix}-{i}";
            try
            {
                var response = await server.Http.PostAsJsonAsync($"/api/v1/conversations/{channel}/messages",
                    new { content = text, clientMessageId = Guid.NewGuid() }, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    Refusals.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                    return;
                }
                lock (acknowledged)
                    acknowledged.Add(text);
                going.Acknowledged();
            }
            catch (HttpRequestException)
            {
                return;                     // killed: what was not acknowledged may or may not be there
            }
        }
    }

    private static async Task AssertEverythingAcknowledgedIsThereAsync(ServerProcess server, long channel, HashSet<string> acknowledged)
    {
        var seen = new HashSet<string>();
        long after = 0;
        while (true)
        {
            var response = await server.Http.GetAsync($"/api/v1/conversations/{channel}/changes?after={after}", Ct);
            Assert.True(response.IsSuccessStatusCode,
                $"catching up: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}\n{server.LogTail()}");
            var page = (await response.Content.ReadFromJsonAsync<ChangesDto>(Ct))!;
            seen.UnionWith(page.Messages.Select(m => m.Content ?? ""));
            after = page.Position;
            if (page.Complete)
                break;
        }
        lock (acknowledged)
            Assert.Empty(acknowledged.Except(seen));
    }
}

public sealed class SqliteCrashTests(SqliteApp app) : CrashTests(app);

public sealed class PostgresCrashTests : CrashTests
{
    public PostgresCrashTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
