using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Records;
using Parley.Server.Features.Records.Log;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.IntegrationTests.Records;

/// <summary>The organization's Merkle log through the API: checkpoints, keys, proofs, and the witnesses that receive checkpoints.</summary>
public abstract class RecordLogTests(ParleyApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_checkpoint_covers_every_entry_verifies_with_the_organizations_key_and_is_in_the_witness_folder()
    {
        var org = await ActivityAsync(app);

        var checkpoint = await CheckpointAsync(org.Owner);
        var keys = await org.Owner.GetOkAsync<List<SigningKeyDto>>("/api/v1/admin/record/keys");
        var report = await org.Owner.IntegrityAsync();

        Assert.True(report.Intact, report.FirstBroken?.ToString());
        Assert.Equal(report.LogSize, checkpoint.Size);
        Assert.Equal(report.EntriesChecked + report.AuditEventsChecked, checkpoint.Size);
        Assert.Equal(report.Root, checkpoint.Root);
        var key = Assert.Single(keys);
        var check = NoteVerifier.Verify(checkpoint.Note, [key.VerifierKey]);
        Assert.True(check.Valid, check.Problem);
        Assert.True(Checkpoint.TryParse(check.Body!, out var parsed));
        Assert.Equal((app.Services.GetRequiredService<IOptions<RecordOptions>>().Value.OriginOf(org.Id), checkpoint.Size, checkpoint.Root),
            (parsed!.Origin, parsed.Size, Convert.ToHexStringLower(parsed.Root)));
        Assert.False(NoteVerifier.Verify(checkpoint.Note, [NoteSigner.Create(key.VerifierKey.Split('+')[0], NoteSigner.GenerateKey().seed).VerifierKey]).Valid);

        var folder = app.Services.GetRequiredService<CheckpointWitnesses>().Folder!;
        Assert.Equal(checkpoint.Note, await folder.LatestAsync(org.Id, Ct));
        Assert.Contains(checkpoint.PublishedTo, p => p.Witness == folder.Name);
        Assert.Equal(checkpoint.Note, (await org.Owner.GetOkAsync<CheckpointDto>("/api/v1/admin/record/checkpoints/latest")).Note);
    }

    [Fact]
    public async Task Every_leaf_is_proven_in_the_checkpoint_and_each_checkpoint_in_the_next()
    {
        var org = await ActivityAsync(app);
        var first = await CheckpointAsync(org.Owner);
        var bob = await org.MemberAsync("Bob2");
        var channel = await org.Owner.CreateChannelAsync("later", "public", bob);
        await bob.SendAsync(channel.Id, "after the first checkpoint");
        var second = await CheckpointAsync(org.Owner);
        Assert.True(second.Size > first.Size);

        // Each leaf's hash is SHA-256(0x00 || leaf text), as the format says, and its proof leads to the signed root.
        var leaves = await app.WithDbAsync(async db =>
            (await db.RecordEntries.Where(r => r.OrganizationId == org.Id).Select(r => new { r.LeafIndex, Leaf = r.Leaf() }).ToListAsync(Ct))
            .Concat((await db.AuditEvents.Where(a => a.OrganizationId == org.Id).ToListAsync(Ct)).Select(a => new { a.LeafIndex, Leaf = a.Leaf() }))
            .Where(l => l.LeafIndex < second.Size).OrderBy(l => l.LeafIndex).ToList());
        Assert.Equal(Enumerable.Range(0, (int)second.Size).Select(i => (long?)i), leaves.Select(l => l.LeafIndex));
        var root = Convert.FromHexString(second.Root);
        foreach (var leaf in leaves.Where((_, i) => i % 3 == 0 || i == leaves.Count - 1))
        {
            var proof = await org.Owner.GetOkAsync<InclusionProofDto>($"/api/v1/admin/record/proofs/inclusion?leaf={leaf.LeafIndex}&size={second.Size}");
            var hash = Rfc9162.LeafHash(Encoding.UTF8.GetBytes(leaf.Leaf));
            Assert.Equal(Convert.ToHexStringLower(hash), proof.LeafHash);
            Assert.True(Rfc9162.VerifyInclusion(leaf.LeafIndex!.Value, second.Size, hash, [.. proof.Proof.Select(Convert.FromHexString)], root),
                $"leaf {leaf.LeafIndex}");
        }

        var consistency = await org.Owner.GetOkAsync<ConsistencyProofDto>($"/api/v1/admin/record/proofs/consistency?from={first.Size}&to={second.Size}");
        Assert.Equal((first.Root, second.Root), (consistency.FromRoot, consistency.ToRoot));
        Assert.True(Rfc9162.VerifyConsistency(first.Size, second.Size, Convert.FromHexString(first.Root), root,
            [.. consistency.Proof.Select(Convert.FromHexString)]));
    }

    [Fact]
    public async Task A_rotated_key_stays_listed_and_both_generations_of_checkpoints_verify()
    {
        var org = await ActivityAsync(app);
        var before = await CheckpointAsync(org.Owner);
        var admin = await org.MemberAsync("Ada", "admin");

        await (await admin.PostAsync("/api/v1/admin/record/keys/rotate")).ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        var rotated = await (await org.Owner.PostAsync("/api/v1/admin/record/keys/rotate")).ReadAsync<SigningKeyDto>(HttpStatusCode.OK);
        await org.Owner.SendAsync((await org.Owner.CreateChannelAsync("after-rotation")).Id, "signed by the new key");
        var after = await CheckpointAsync(org.Owner);

        var keys = await org.Owner.GetOkAsync<List<SigningKeyDto>>("/api/v1/admin/record/keys");
        Assert.Equal(2, keys.Count);
        Assert.NotNull(keys[0].RetiredAt);
        Assert.Equal((rotated.KeyId, (DateTimeOffset?)null), (keys[1].KeyId, keys[1].RetiredAt));
        Assert.True(NoteVerifier.Verify(before.Note, [keys[0].VerifierKey]).Valid);
        Assert.True(NoteVerifier.Verify(after.Note, [keys[1].VerifierKey]).Valid);
        Assert.False(NoteVerifier.Verify(after.Note, [keys[0].VerifierKey]).Valid);
        Assert.Equal(rotated.KeyId, after.KeyId);
        Assert.True((await org.Owner.IntegrityAsync()).Intact);

        // The private key is kept encrypted: what the database holds is not a 32-byte seed.
        var stored = await app.WithDbAsync(db => db.SigningKeys.Where(k => k.OrganizationId == org.Id).Select(k => k.ProtectedSeed).ToListAsync(Ct));
        Assert.All(stored, s => Assert.True(Convert.FromBase64String(s).Length > 64, "a Data Protection payload, not a raw key"));
    }

    [Fact]
    public async Task First_checkpoints_and_rotations_at_once_leave_one_current_key()
    {
        // Two nodes, or two requests, signing an organization's first checkpoint at the same moment.
        var org = await app.OrganizationAsync();
        var sequencer = app.Services.GetRequiredService<RecordSequencer>();
        var checkpoints = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => sequencer.CheckpointAsync(org.Id, Ct), Ct)));

        var keys = await org.Owner.GetOkAsync<List<SigningKeyDto>>("/api/v1/admin/record/keys");
        var key = Assert.Single(keys);
        Assert.All(checkpoints, c => Assert.Equal(key.KeyId, ((uint)c.KeyId).ToString("x8")));

        var rotations = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => org.Owner.PostAsync("/api/v1/admin/record/keys/rotate")));
        Assert.All(rotations, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        keys = await org.Owner.GetOkAsync<List<SigningKeyDto>>("/api/v1/admin/record/keys");
        Assert.Equal(4, keys.Count);
        Assert.Single(keys, k => k.RetiredAt is null);
    }

    [Theory]
    [InlineData("inclusion?leaf=5&size=5")]
    [InlineData("inclusion?leaf=-1&size=3")]
    [InlineData("inclusion?leaf=0&size=0")]
    [InlineData("inclusion?leaf=0&size=999999999")]
    [InlineData("consistency?from=0&to=3")]
    [InlineData("consistency?from=4&to=3")]
    [InlineData("consistency?from=1&to=999999999")]
    public async Task A_proof_outside_the_log_is_a_clear_400(string query)
    {
        var org = await ActivityAsync(app);
        await CheckpointAsync(org.Owner);

        await (await org.Owner.GetAsync($"/api/v1/admin/record/proofs/{query}")).ShouldBeProblem(HttpStatusCode.BadRequest, "proof-range-invalid");
    }

    [Fact]
    public async Task Members_cannot_read_or_sign_the_log()
    {
        var org = await ActivityAsync(app);
        var bob = await org.MemberAsync("Bob3");

        foreach (var path in new[] { "checkpoints/latest", "keys", "proofs/inclusion?leaf=0&size=1", "proofs/consistency?from=1&to=1" })
            await (await bob.GetAsync($"/api/v1/admin/record/{path}")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await bob.PostAsync("/api/v1/admin/record/checkpoints")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await org.Owner.GetAsync("/api/v1/admin/record/checkpoints/latest")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Checkpoints_reach_an_http_witness_and_a_time_stamp_authority_whose_token_proves_the_note()
    {
        await using var tsa = new LocalTimestampAuthority();
        await tsa.InitializeAsync();
        var received = new List<(string Body, string? Organization, string? Size)>();
        await using var receiver = await LoopbackServer.StartAsync(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (received)
                received.Add((body, http.Request.Headers["Parley-Organization"], http.Request.Headers["Parley-Tree-Size"]));
            http.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        await using var server = new FreshApp(app.Engine, [
            new("Parley:Record:Witnesses:HttpUrl", receiver.Url.ToString()),
            new("Parley:Record:Witnesses:TimestampUrl", tsa.Url.ToString()),
        ]);
        await server.InitializeAsync();
        var org = await ActivityAsync(server);

        var checkpoint = await CheckpointAsync(org.Owner);

        Assert.Equal(3, checkpoint.PublishedTo.Count);                 // the folder, the HTTP receiver, the authority
        Assert.Contains((checkpoint.Note, org.Id.ToString(), checkpoint.Size.ToString()), received);
        var token = await server.WithDbAsync(db => db.CheckpointPublications
            .Where(p => db.Checkpoints.Any(c => c.Id == p.CheckpointId && c.OrganizationId == org.Id && c.Size == checkpoint.Size) && p.Token != null)
            .Select(p => p.Token!).SingleAsync(Ct));
        Assert.True(TimestampWitness.VerifyToken(token, checkpoint.Note, out var at));
        Assert.InRange(at, checkpoint.CreatedAt.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.False(TimestampWitness.VerifyToken(token, checkpoint.Note.Replace('\n', ' '), out _));
    }

    internal static async Task<CheckpointDto> CheckpointAsync(Actor admin) =>
        await (await admin.PostAsync("/api/v1/admin/record/checkpoints")).ReadAsync<CheckpointDto>(HttpStatusCode.OK);

    internal static async Task<Org> ActivityAsync(ParleyApp on)
    {
        var org = await on.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("deals", "private", bob);
        var first = await org.Owner.SendAsync(channel.Id, "Kickoff at 9");
        await bob.SendAsync(channel.Id, "Fine", threadRootId: first.Id);
        await org.Owner.EditAsync(channel.Id, first.Id, "Kickoff at 9:30");
        return org;
    }
}

public sealed class SqliteRecordLogTests(SqliteApp app) : RecordLogTests(app);

public sealed class PostgresRecordLogTests : RecordLogTests
{
    public PostgresRecordLogTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}

/// <summary>
/// A restore from backup, done as an operator does it with SQLite: the database file put back alone. The check it meets
/// is the same on PostgreSQL (MutationTests rolls a PostgreSQL log back and proves it is caught).
/// </summary>
public sealed class RestoredBackupTests(SqliteApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_database_restored_from_a_backup_older_than_a_published_checkpoint_is_named_at_start()
    {
        var witness = Directory.CreateTempSubdirectory("parley-witness-").FullName;
        var backup = Path.Combine(Path.GetTempPath(), $"parley-backup-{Guid.NewGuid():N}.db");
        // The restore brings back an old database into the same data directory (files, keys), beside the same witness.
        KeyValuePair<string, string>[] settings = [new("Parley:Record:Witnesses:Folder", witness),
            new("Parley:DataDirectory", Directory.CreateTempSubdirectory("parley-data-").FullName)];
        string database;
        long published;
        await using (var before = new FreshApp(app.Engine, settings))
        {
            await before.InitializeAsync();
            database = before.Database;
            var org = await RecordLogTests.ActivityAsync(before);
            await RecordLogTests.CheckpointAsync(org.Owner);
            await before.WithDbAsync(db => db.Database.ExecuteSqlAsync($"VACUUM INTO {backup}", Ct));
            await org.Owner.SendAsync((await org.Owner.CreateChannelAsync("after-the-backup")).Id, "written after the backup");
            published = (await RecordLogTests.CheckpointAsync(org.Owner)).Size;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();      // the stopped server's connections let go of the file
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database).DataSource;
        File.Copy(backup, file, overwrite: true);
        File.Delete(file + "-wal");            // a restore puts back the file alone
        File.Delete(file + "-shm");

        await using var restored = new FreshApp(app.Engine, settings, database);
        await restored.InitializeAsync();
        var started = restored.Services.GetRequiredService<RecordSequencer>().FirstRound;
        await started.WaitAsync(TimeSpan.FromMinutes(1), Ct);

        var ready = await restored.CreateClient().GetStringAsync("/readyz", Ct);
        Assert.Equal("Degraded", ready);
        var alarm = Assert.Single(restored.Services.GetRequiredService<RecordHealth>().Alarms).Value;
        Assert.StartsWith("rolled back", alarm);
        Assert.Contains($"a checkpoint of {published} entries was published", alarm);
        Assert.Contains(restored.Logs.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains("rolled back"));
        Assert.True(await restored.WithDbAsync(db => db.AuditEvents.AnyAsync(a => a.Action == Parley.Server.Features.AuditLog.AuditAction.RecordInconsistent, Ct)));
        File.Delete(backup);
    }

}
