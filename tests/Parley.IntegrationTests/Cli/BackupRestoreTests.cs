using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.IntegrationTests.Records;
using Parley.Server.Data;
using Parley.Server.Features.Records;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Cli;

/// <summary>
/// <c>Parley.Server admin backup | restore</c>, run as its own process beside a running server, configured the way an
/// operator configures it (<c>Parley__…</c> variables). The witness folder is outside the data directory, as in
/// production: a restore brings back the database, files and keys, and the witness keeps what was published since.
/// </summary>
public abstract class BackupRestoreTests(ParleyApp app) : IDisposable
{
    private readonly List<string> _folders = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
            Directory.Delete(folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    private string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"parley-{name}-{Guid.NewGuid():N}");
        _folders.Add(folder);
        return folder;
    }

    /// <summary>A deployment's settings: its data directory and database, and the shared witness folder.</summary>
    internal sealed record Deployment(string DataDirectory, string Database, string Witness)
    {
        public KeyValuePair<string, string>[] Settings =>
            [new("Parley:DataDirectory", DataDirectory), new("Parley:Record:Witnesses:Folder", Witness)];
    }

    private Deployment NewDeployment(string witness) => new(NewFolder("data"), FreshApp.NewConnectionString(app.Engine), witness);

    private async Task<(int Code, string Output, string Error)> AdminAsync(Deployment deployment, params string[] args) =>
        await AdminAsync(deployment, app.Engine, args);

    /// <summary>Runs the server's binary with <c>admin ARGS</c> as an operator would, with the deployment's settings in its environment.</summary>
    internal static async Task<(int Code, string Output, string Error)> AdminAsync(Deployment deployment, DatabaseProvider engine, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("admin");
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["Parley__DataDirectory"] = deployment.DataDirectory;
        start.Environment["Parley__Database__Provider"] = engine.ToString();
        start.Environment["Parley__Database__ConnectionString"] = deployment.Database;
        start.Environment["Parley__Record__Witnesses__Folder"] = deployment.Witness;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        try
        {
            await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(5), Ct);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"admin {string.Join(' ', args)} did not end within 5 minutes:\n{await output}\n{await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task A_backup_taken_while_a_server_sends_restores_every_acknowledged_message_and_an_intact_record()
    {
        var witness = NewFolder("witness");
        var source = NewDeployment(witness);
        await using var server = new FreshApp(app.Engine, source.Settings, source.Database);
        await server.InitializeAsync();
        var org = await server.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("deals", "private", bob);
        var file = await org.Owner.UploadOkAsync(channel.Id, "quarterly figures"u8.ToArray(), "q3.txt");
        var acknowledged = new List<string>();
        for (var i = 0; i < 20; i++)
            acknowledged.Add((await bob.SendAsync(channel.Id, $"before the backup {i}")).Content!);
        var published = await RecordLogTests.CheckpointAsync(org.Owner);

        // A sender keeps going for the whole backup; it stops once the backup process has ended.
        using var stop = new CancellationTokenSource();
        var sentDuring = 0;
        var sender = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await org.Owner.SendAsync(channel.Id, $"during the backup {sentDuring}");
                sentDuring++;
            }
        }, Ct);
        var backupFolder = NewFolder("backup");
        var backup = await AdminAsync(source, "backup", "--to", backupFolder);
        await stop.CancelAsync();
        await sender;

        Assert.True(backup.Code == 0, backup.Output + backup.Error);
        Assert.Contains("100%", backup.Output);
        Assert.True(sentDuring > 0, "the server was sending while the backup ran");
        Assert.True(File.Exists(Path.Combine(backupFolder, "manifest.json")));

        var target = NewDeployment(witness);
        var restore = await AdminAsync(target, "restore", "--from", backupFolder);

        Assert.True(restore.Code == 0, restore.Output + restore.Error);
        Assert.Contains($"checkpoint of {published.Size} leaves (witness folder {witness}): the log holds it", restore.Output);
        Assert.Contains("drill: intact", restore.Output);

        await using var restored = new FreshApp(app.Engine, target.Settings, target.Database);
        await restored.InitializeAsync();
        await restored.Services.GetRequiredService<RecordSequencer>().FirstRound.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        var owner = await restored.LoginAsync(org.Owner.Email, org.Owner.Password);
        var contents = await restored.WithDbAsync(db => db.Messages.Where(m => m.ConversationId == channel.Id).Select(m => m.Content).ToListAsync(Ct));
        Assert.All(acknowledged, text => Assert.Contains(text, contents));
        Assert.All(contents.Where(c => c.StartsWith("during", StringComparison.Ordinal)),
            c => Assert.True(int.Parse(c["during the backup ".Length..]) <= sentDuring));
        var report = await owner.IntegrityAsync();
        Assert.True(report.Intact, report.FirstBroken?.ToString());
        Assert.True(report.FilesChecked >= 1);
        var download = await owner.GetAsync($"/api/v1/files/{file.Id}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("quarterly figures", await download.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Healthy", await restored.CreateClient().GetStringAsync("/readyz", Ct));
    }

    [Fact]
    public async Task A_restored_backup_older_than_a_published_checkpoint_names_the_missing_leaves()
    {
        var witness = NewFolder("witness");
        var source = NewDeployment(witness);
        var backupFolder = NewFolder("backup");
        long newer;
        Guid organizationId;
        await using (var server = new FreshApp(app.Engine, source.Settings, source.Database))
        {
            await server.InitializeAsync();
            var org = await server.OrganizationAsync();
            organizationId = org.Id;
            var channel = await org.Owner.CreateChannelAsync("deals");
            await org.Owner.SendAsync(channel.Id, "before the backup");
            await RecordLogTests.CheckpointAsync(org.Owner);
            var backup = await AdminAsync(source, "backup", "--to", backupFolder);
            Assert.True(backup.Code == 0, backup.Output + backup.Error);
            await org.Owner.SendAsync(channel.Id, "after the backup");
            newer = (await RecordLogTests.CheckpointAsync(org.Owner)).Size;
        }

        var target = NewDeployment(witness);
        var restore = await AdminAsync(target, "restore", "--from", backupFolder);

        Assert.True(restore.Code == 1, restore.Output + restore.Error);
        Assert.Contains($"a checkpoint of {newer} entries was published", restore.Output);
        Assert.Matches($@"the database holds (\d+); leaves \1 to {newer - 1} are missing", restore.Output);
        Assert.Contains($"organization {organizationId}", restore.Output);
        Assert.Contains("drill: NOT intact", restore.Output);
        Assert.Contains("(the backup's manifest): the log holds it", restore.Output);

        // The drill alone, later, says the same of the restored deployment.
        var drill = await AdminAsync(target, "drill");
        Assert.Equal(1, drill.Code);
        Assert.Contains($"to {newer - 1} are missing", drill.Output);
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_message_and_exit_code_2_and_changes_nothing()
    {
        var witness = NewFolder("witness");
        var source = NewDeployment(witness);
        await using var server = new FreshApp(app.Engine, source.Settings, source.Database);
        await server.InitializeAsync();
        var org = await server.OrganizationAsync();
        var backupFolder = NewFolder("backup");
        Assert.Equal(0, (await AdminAsync(source, "backup", "--to", backupFolder)).Code);

        var missing = await AdminAsync(NewDeployment(witness), "restore", "--from", Path.Combine(backupFolder, "nothing-here"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("There is no backup at", missing.Error);

        var again = await AdminAsync(source, "backup", "--to", backupFolder);
        Assert.Equal(2, again.Code);
        Assert.Contains("is not empty: back up into a new folder", again.Error);

        var occupied = await AdminAsync(source, "restore", "--from", backupFolder);
        Assert.Equal(2, occupied.Code);
        Assert.Contains("The target is not empty", occupied.Error);
        Assert.Contains("--force", occupied.Error);
        Assert.True(await server.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Id == org.Id, Ct)));

        var underServer = await AdminAsync(source, "restore", "--from", backupFolder, "--force");
        Assert.Equal(2, underServer.Code);
        Assert.Contains($"A Parley server is running on the data directory {source.DataDirectory}", underServer.Error);
        if (app.Engine == DatabaseProvider.Postgres)
        {
            // A node elsewhere holds no lock in this data directory, but it is connected to the database.
            var elsewhere = await AdminAsync(source with { DataDirectory = NewFolder("data") }, "restore", "--from", backupFolder, "--force");
            Assert.Equal(2, elsewhere.Code);
            Assert.Contains("is in use (", elsewhere.Error);
        }
        var channel = await org.Owner.CreateChannelAsync("still-here");
        Assert.Equal("written after the refused restore", (await org.Owner.SendAsync(channel.Id, "written after the refused restore")).Content);

        var otherEngine = app.Engine == DatabaseProvider.Sqlite ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite;
        var other = NewDeployment(witness) with { Database = FreshApp.NewConnectionString(otherEngine) };
        var wrongEngine = await AdminAsync(other, otherEngine, "restore", "--from", backupFolder);
        Assert.Equal(2, wrongEngine.Code);
        Assert.Contains("Restore it into the engine it was made from", wrongEngine.Error);
        Assert.False(Directory.Exists(Path.Combine(other.DataDirectory, "files")));

        var incomplete = NewFolder("incomplete");
        Directory.CreateDirectory(incomplete);
        File.WriteAllText(Path.Combine(incomplete, "parley.db"), "half a backup");
        var interrupted = await AdminAsync(NewDeployment(witness), "restore", "--from", incomplete);
        Assert.Equal(2, interrupted.Code);
        Assert.Contains("has no manifest.json", interrupted.Error);

        var usage = await AdminAsync(source, "restore");
        Assert.Equal(2, usage.Code);
        Assert.Contains("--from", usage.Error);
    }
}

public sealed class SqliteBackupRestoreTests(SqliteApp app) : BackupRestoreTests(app);

public sealed class PostgresBackupRestoreTests : BackupRestoreTests
{
    public PostgresBackupRestoreTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
