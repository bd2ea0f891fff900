using System.IO.Compression;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Cli;

/// <summary>The admin commands that act on organizations, run as their own process beside a running server.</summary>
public abstract class AdminCommandTests(ParleyApp app) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("parley-admin-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task An_operator_creates_an_organization_whose_owner_accepts_the_invite_then_lists_exports_and_reads_its_holds_and_retention()
    {
        var deployment = new BackupRestoreTests.Deployment(Path.Combine(_root, "data"), FreshApp.NewConnectionString(app.Engine), Path.Combine(_root, "witness"));
        await using var server = new FreshApp(app.Engine, deployment.Settings, deployment.Database);
        await server.InitializeAsync();

        var created = await BackupRestoreTests.AdminAsync(deployment, app.Engine, "create-organization", "--name", "Globex", "--owner-email", "boss@globex.test");
        Assert.True(created.Code == 0, created.Output + created.Error);
        var token = created.Output[(created.Output.IndexOf("/invite#", StringComparison.Ordinal) + "/invite#".Length)..].Trim();
        var owner = await Org.AcceptAsync(server, token, "boss@globex.test", "Boss");
        var channel = await owner.CreateChannelAsync("general");
        await owner.SendAsync(channel.Id, "Hello Globex");

        var listed = await BackupRestoreTests.AdminAsync(deployment, app.Engine, "organizations");
        Assert.Contains($"{owner.OrganizationId}", listed.Output);
        Assert.Contains("Globex", listed.Output);

        var holds = await BackupRestoreTests.AdminAsync(deployment, app.Engine, "holds", "--organization", "Globex");
        Assert.Equal(0, holds.Code);
        Assert.Contains("0 legal hold(s).", holds.Output);
        var dryRun = await BackupRestoreTests.AdminAsync(deployment, app.Engine, "retention-dry-run", "--organization", owner.OrganizationId.ToString());
        Assert.Equal(0, dryRun.Code);
        Assert.Contains("The next purge would erase 0 message(s)", dryRun.Output);

        var zip = Path.Combine(_root, "globex.zip");
        var export = await BackupRestoreTests.AdminAsync(deployment, app.Engine, "export", "--organization", "Globex", "--to", zip);
        Assert.True(export.Code == 0, export.Output + export.Error);
        using (var bundle = ZipFile.OpenRead(zip))
            Assert.Contains(bundle.Entries, e => e.FullName == "checkpoint.note");

        var unknown = await BackupRestoreTests.AdminAsync(deployment, app.Engine, "holds", "--organization", "Initech");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("There is no organization 'Initech'", unknown.Error);
    }
}

public sealed class SqliteAdminCommandTests(SqliteApp app) : AdminCommandTests(app);

public sealed class PostgresAdminCommandTests : AdminCommandTests
{
    public PostgresAdminCommandTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
