using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records;

namespace Parley.IntegrationTests.Files;

/// <summary>
/// Each organization keeps its own copy of its files; bytes on disk that are not the uploaded ones are never served; the
/// operator learns of them from the log and readiness; the scrub finds them without anyone downloading; and files kept
/// in the shared layout of older versions move into their organizations' folders on start. The tests that damage files
/// run a server of their own, so that readiness on the shared servers stays Healthy.
/// </summary>
public abstract class FileIntegrityTests(ParleyApp app)
{
    [Fact]
    public async Task Two_organizations_uploading_the_same_bytes_each_get_their_own_copy_in_their_own_folder()
    {
        var (first, second) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var bytes = Encoding.UTF8.GetBytes($"the same contract {Guid.NewGuid()}");
        var sha = Sha(bytes);

        var inFirst = await first.Owner.UploadOkAsync((await first.Owner.CreateChannelAsync("legal")).Id, bytes, "contract.txt");
        var inSecond = await second.Owner.UploadOkAsync((await second.Owner.CreateChannelAsync("legal")).Id, bytes, "contract.txt");

        var stored = Directory.GetFiles(app.FilesDirectory(), sha, SearchOption.AllDirectories).Order().ToArray();
        Assert.Equal(new[] { StoredPath(app, first.Id, sha), StoredPath(app, second.Id, sha) }.Order(), stored);
        Assert.All(stored, path => Assert.Equal(bytes, File.ReadAllBytes(path)));
        Assert.Equal(bytes, await DownloadAsync(first.Owner, inFirst.Id));
        Assert.Equal(bytes, await DownloadAsync(second.Owner, inSecond.Id));
    }

    [Fact]
    public async Task An_altered_file_is_refused_logged_reported_by_readiness_and_found_by_the_scrub_while_its_twin_elsewhere_is_served()
    {
        await using var server = await StartAsync();
        var (first, second) = (await server.OrganizationAsync(), await server.OrganizationAsync());
        var bytes = Encoding.UTF8.GetBytes($"wire the money to account {Guid.NewGuid()}");
        var altered = bytes.ToArray();
        altered[^5] ^= 0x01;                                           // one bit of one byte
        var file = await first.Owner.UploadOkAsync((await first.Owner.CreateChannelAsync("payments")).Id, bytes, "instructions.txt");
        var twin = await second.Owner.UploadOkAsync((await second.Owner.CreateChannelAsync("payments")).Id, bytes, "instructions.txt");
        var path = StoredPath(server, first.Id, Sha(bytes));

        await File.WriteAllBytesAsync(path, altered, TestContext.Current.CancellationToken);
        var download = await first.Owner.GetAsync($"/api/v1/files/{file.Id}");
        var twinBytes = await DownloadAsync(second.Owner, twin.Id);
        var ready = await ReadinessAsync(server);
        var report = await server.Services.GetRequiredService<FileScrub>().RunOnceAsync(TestContext.Current.CancellationToken);

        await download.ShouldBeProblem(HttpStatusCode.ServiceUnavailable, "file-integrity-failed");
        Assert.DoesNotContain("wire the money", await download.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(bytes, twinBytes);
        Assert.Equal(("Degraded", HealthStatus.Degraded), (ready.Body, ready.Files.Status));
        Assert.Contains("1 stored file", ready.Files.Description);
        Assert.Equal(2, report.Checked);
        Assert.Equal([new FileFinding(first.Id, file.Id, FileFault.Altered, Sha(bytes), bytes.Length, Sha(altered), altered.Length)], report.Findings);
        var error = Assert.Single(server.Logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(typeof(FileIntegrity).FullName, error.Category);
        foreach (var named in new[] { first.Id.ToString(), file.Id.ToString(), Sha(bytes), Sha(altered) })
            Assert.Contains(named, error.Message);

        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);   // the operator restores it
        var afterRestore = await server.Services.GetRequiredService<FileScrub>().RunOnceAsync(TestContext.Current.CancellationToken);
        var readyAfter = await ReadinessAsync(server);

        Assert.True(afterRestore.IsClean);
        Assert.Equal(("Healthy", HealthStatus.Healthy), (readyAfter.Body, readyAfter.Files.Status));
        Assert.Equal(bytes, await DownloadAsync(first.Owner, file.Id));
    }

    [Fact]
    public async Task A_deleted_file_is_found_by_the_periodic_scrub_before_anyone_asks_and_its_download_is_refused()
    {
        await using var server = await StartAsync([new("Parley:Files:ScrubInterval", "00:00:01")]);
        var org = await server.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("reports");
        var bytes = Encoding.UTF8.GetBytes($"annual report {Guid.NewGuid()}");
        var file = await org.Owner.UploadOkAsync(channel.Id, bytes, "annual.txt");
        var kept = await org.Owner.UploadOkAsync(channel.Id, "kept"u8.ToArray(), "kept.txt");

        File.Delete(StoredPath(server, org.Id, Sha(bytes)));
        var ready = await UntilDegradedAsync(server);                  // nobody downloaded it: the background scrub found it
        var download = await org.Owner.GetAsync($"/api/v1/files/{file.Id}");
        var report = await server.Services.GetRequiredService<FileScrub>().RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Contains("1 stored file", ready.Files.Description);
        await download.ShouldBeProblem(HttpStatusCode.ServiceUnavailable, "file-integrity-failed");
        Assert.Equal([new FileFinding(org.Id, file.Id, FileFault.Missing, Sha(bytes), bytes.Length, null, null)], report.Findings);
        Assert.Equal("kept"u8.ToArray(), await DownloadAsync(org.Owner, kept.Id));
        var error = Assert.Single(server.Logs.Entries, e => e.Level >= LogLevel.Error);   // once, however often it was found
        Assert.Contains(file.Id.ToString(), error.Message);
        Assert.Contains(Sha(bytes), error.Message);
    }

    [Fact]
    public async Task The_scrub_deletes_old_bytes_that_only_erased_rows_or_no_row_name_and_leaves_recent_and_named_bytes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await StartAsync();
        var org = await server.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("deals");
        byte[] erasedBytes = Encoding.UTF8.GetBytes($"erased {Guid.NewGuid()}"), liveBytes = Encoding.UTF8.GetBytes($"live {Guid.NewGuid()}"),
            strayBytes = Encoding.UTF8.GetBytes($"stray {Guid.NewGuid()}"), freshBytes = Encoding.UTF8.GetBytes($"fresh {Guid.NewGuid()}");
        var erased = await org.Owner.UploadOkAsync(channel.Id, erasedBytes, "old.txt");
        var live = await org.Owner.UploadOkAsync(channel.Id, liveBytes, "live.txt");
        // What a crash between an erasure's commit and the deletion of its bytes leaves: the row erased, the bytes still there.
        Assert.NotNull(await server.WithDbAsync(db => db.EraseUnsentFileAsync(org.Id, erased.Id, ErasureReason.Other, "scrub test", org.Owner.Id,
            DateTimeOffset.UtcNow, ct)));
        // What a crash between an upload's bytes and its row leaves, long ago and just now; and an upload's temporary file.
        var (erasedPath, livePath, strayPath, freshPath) = (StoredPath(server, org.Id, Sha(erasedBytes)), StoredPath(server, org.Id, Sha(liveBytes)),
            StoredPath(server, org.Id, Sha(strayBytes)), StoredPath(server, org.Id, Sha(freshBytes)));
        foreach (var (path, bytes) in new[] { (strayPath, strayBytes), (freshPath, freshBytes) })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes, ct);
        }
        var temporary = Path.Combine(server.FilesDirectory(), "tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
        await File.WriteAllBytesAsync(temporary, strayBytes, ct);
        var longAgo = DateTime.UtcNow - FileScrub.OrphanGrace - TimeSpan.FromMinutes(5);
        foreach (var path in new[] { erasedPath, livePath, strayPath, temporary })
            File.SetLastWriteTimeUtc(path, longAgo);

        var report = await server.Services.GetRequiredService<FileScrub>().RunOnceAsync(ct);

        Assert.Equal((1, true, 2), (report.Checked, report.IsClean, report.OrphansDeleted));
        Assert.Equal((false, false, false), (File.Exists(erasedPath), File.Exists(strayPath), File.Exists(temporary)));
        Assert.True(File.Exists(freshPath));                                // may be an upload whose row is about to commit
        Assert.Equal(liveBytes, await DownloadAsync(org.Owner, live.Id));

        // Content uploaded again while the only row naming it is erased and its old bytes await the sweep: the upload renames
        // its bytes into place afresh, so a sweep between its bytes and its row never takes them.
        var twiceBytes = Encoding.UTF8.GetBytes($"twice {Guid.NewGuid()}");
        var first = await org.Owner.UploadOkAsync(channel.Id, twiceBytes, "first.txt");
        Assert.NotNull(await server.WithDbAsync(db => db.EraseUnsentFileAsync(org.Id, first.Id, ErasureReason.Other, "scrub test", org.Owner.Id,
            DateTimeOffset.UtcNow, ct)));
        var twicePath = StoredPath(server, org.Id, Sha(twiceBytes));
        File.SetLastWriteTimeUtc(twicePath, longAgo);
        var again = await org.Owner.UploadOkAsync(channel.Id, twiceBytes, "again.txt");
        Assert.True(File.GetLastWriteTimeUtc(twicePath) > DateTime.UtcNow - FileScrub.OrphanGrace);
        Assert.Equal(0, (await server.Services.GetRequiredService<FileScrub>().RunOnceAsync(ct)).OrphansDeleted);
        Assert.Equal(twiceBytes, await DownloadAsync(org.Owner, again.Id));
    }

    [Fact]
    public async Task Untouched_files_pass_the_scrub_and_every_download_with_no_false_alarm()
    {
        await using var server = await StartAsync();
        var org = await server.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("archive");
        var random = new byte[1024 * 1024];
        Random.Shared.NextBytes(random);
        byte[][] contents = [[], "x"u8.ToArray(), random, new byte[300_000], Encoding.UTF8.GetBytes("é ü 中文 🎉")];
        var files = new List<(FileDto File, byte[] Bytes)>();
        foreach (var bytes in contents)
            files.Add((await org.Owner.UploadOkAsync(channel.Id, bytes, "file.bin", "application/octet-stream"), bytes));

        var report = await server.Services.GetRequiredService<FileScrub>().RunOnceAsync(TestContext.Current.CancellationToken);
        foreach (var (file, bytes) in files)
            Assert.Equal(bytes, await DownloadAsync(org.Owner, file.Id));
        var ready = await ReadinessAsync(server);

        Assert.Equal((contents.Length, true), (report.Checked, report.IsClean));
        Assert.Equal(("Healthy", HealthStatus.Healthy), (ready.Body, ready.Files.Status));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.StartsWith("Parley.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Files_in_the_shared_layout_of_older_versions_move_to_their_organizations_folders_on_start_and_download_fine()
    {
        var data = Path.Combine(Path.GetTempPath(), $"parley-legacy-{Guid.NewGuid():N}");
        KeyValuePair<string, string>[] settings = [new("Parley:DataDirectory", data)];
        try
        {
            var shared = Encoding.UTF8.GetBytes($"logo {Guid.NewGuid()}");
            var own = Encoding.UTF8.GetBytes($"minutes {Guid.NewGuid()}");
            var unclaimed = Encoding.UTF8.GetBytes($"left over {Guid.NewGuid()}");
            string database;
            Org first, second;
            FileDto sharedInFirst, sharedInSecond, ownInFirst;
            await using (var old = await StartAsync(settings))
            {
                (first, second) = (await old.OrganizationAsync(), await old.OrganizationAsync());
                var firstChannel = (await first.Owner.CreateChannelAsync("brand")).Id;
                sharedInFirst = await first.Owner.UploadOkAsync(firstChannel, shared, "logo.txt");
                sharedInSecond = await second.Owner.UploadOkAsync((await second.Owner.CreateChannelAsync("brand")).Id, shared, "logo.txt");
                ownInFirst = await first.Owner.UploadOkAsync(firstChannel, own, "minutes.txt");
                database = old.Database;
            }
            // As an older version left them: each content once, shared by every organization. The first organization's copy of
            // `shared` is there too, as a move killed after copying it and before removing the shared file leaves it.
            var files = Path.Combine(data, "files");
            MoveToLegacy(files, second.Id, Sha(shared));
            MoveToLegacy(files, first.Id, Sha(own));
            await File.WriteAllBytesAsync(LegacyPath(files, Sha(unclaimed)), unclaimed, TestContext.Current.CancellationToken);

            await using (var upgraded = await StartAsync(settings, database))
            {
                foreach (var (organizationId, bytes) in new[] { (first.Id, shared), (second.Id, shared), (first.Id, own) })
                    Assert.Equal(bytes, await File.ReadAllBytesAsync(StoredPath(upgraded, organizationId, Sha(bytes)), TestContext.Current.CancellationToken));
                Assert.False(File.Exists(LegacyPath(files, Sha(shared))));
                Assert.False(File.Exists(LegacyPath(files, Sha(own))));
                Assert.Equal(unclaimed, await File.ReadAllBytesAsync(LegacyPath(files, Sha(unclaimed)), TestContext.Current.CancellationToken));
                Assert.Equal(shared, await DownloadAsync(On(first.Owner, upgraded), sharedInFirst.Id));
                Assert.Equal(shared, await DownloadAsync(On(second.Owner, upgraded), sharedInSecond.Id));
                Assert.Equal(own, await DownloadAsync(On(first.Owner, upgraded), ownInFirst.Id));
                var report = await upgraded.Services.GetRequiredService<FileScrub>().RunOnceAsync(TestContext.Current.CancellationToken);
                Assert.Equal((3, true), (report.Checked, report.IsClean));
                var said = MigrationLog(upgraded);
                Assert.Contains(said, e => e.Level == LogLevel.Information && e.Message.Contains("2 copies for 2 organization(s)"));
                Assert.Contains(said, e => e.Level == LogLevel.Information && e.Message.Contains(second.Id.ToString()));
                Assert.Contains(said, e => e.Level == LogLevel.Warning && e.Message.StartsWith("1 file(s) in the shared layout", StringComparison.Ordinal));
            }

            await using var again = await StartAsync(settings, database);     // nothing left to move: nothing done, nothing said

            Assert.DoesNotContain(MigrationLog(again), e => e.Level == LogLevel.Information);
            Assert.Equal(own, await DownloadAsync(On(first.Owner, again), ownInFirst.Id));
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    private static List<LogSink.Entry> MigrationLog(ParleyApp server) =>
        [.. server.Logs.Entries.Where(e => e.Category == "Parley.Server.Features.Files.FileLayoutMigration")];

    private async Task<FreshApp> StartAsync(KeyValuePair<string, string>[]? settings = null, string? database = null)
    {
        var server = new FreshApp(app.Engine, settings ?? [], database);
        await server.InitializeAsync();
        return server;
    }

    /// <summary>The same signed-in person on another server over the same database (sessions live in the database).</summary>
    private static Actor On(Actor actor, ParleyApp server) =>
        new(server, actor.Id, actor.OrganizationId, actor.Email, actor.Password, actor.Handle, actor.Name, actor.Token);

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string StoredPath(ParleyApp server, Guid organizationId, string sha) =>
        Path.Combine(server.FilesDirectory(), organizationId.ToString(), sha[..2], sha[2..4], sha);

    private static string LegacyPath(string files, string sha)
    {
        var path = Path.Combine(files, sha[..2], sha[2..4], sha);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static void MoveToLegacy(string files, Guid organizationId, string sha) =>
        File.Move(Path.Combine(files, organizationId.ToString(), sha[..2], sha[2..4], sha), LegacyPath(files, sha));

    private static async Task<byte[]> DownloadAsync(Actor actor, Guid fileId)
    {
        var response = await actor.GetAsync($"/api/v1/files/{fileId}");
        await response.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    private sealed record Readiness(string Body, HealthReportEntry Files);

    /// <summary>What <c>/readyz</c> answers, and the file check's entry with its description (the body holds only the status).</summary>
    private static async Task<Readiness> ReadinessAsync(ParleyApp server)
    {
        using var anonymous = server.Http();
        var response = await anonymous.GetAsync("/readyz", TestContext.Current.CancellationToken);
        var report = await server.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Tags.Contains("ready"), TestContext.Current.CancellationToken);
        return new Readiness(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), report.Entries["files"]);
    }

    private static async Task<Readiness> UntilDegradedAsync(ParleyApp server)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(45);
        while (true)
        {
            var ready = await ReadinessAsync(server);
            if (ready.Files.Status == HealthStatus.Degraded || DateTimeOffset.UtcNow > deadline)
                return ready;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}

public sealed class SqliteFileIntegrityTests(SqliteApp app) : FileIntegrityTests(app);

public sealed class PostgresFileIntegrityTests : FileIntegrityTests
{
    public PostgresFileIntegrityTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
