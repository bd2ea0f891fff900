using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.DirectorySync;

namespace Parley.IntegrationTests.Identity;

/// <summary>A server whose directory syncs run when a test says so (the worker's <c>RunOnceAsync</c>), not in the background.</summary>
public abstract class DirectoryApp : ParleyApp
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Parley:Directory:BackgroundSync", "false"),
        new("Parley:Directory:RequestTimeout", "00:00:10"),
    ];

    public Task RunSyncsAsync() => Services.GetRequiredService<DirectorySyncWorker>().RunOnceAsync(TestContext.Current.CancellationToken);

    /// <summary>Connects the organization to the tree of <paramref name="ldap"/> made by <see cref="LocalLdapServer.NewTreeAsync"/>.</summary>
    public static async Task<DirectorySettingsDto> ConnectAsync(Actor admin, LocalLdapServer ldap, string tree, int? intervalMinutes = null)
    {
        var response = await admin.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = ldap.Url, bindDn = LocalLdapServer.SyncDn, bindPassword = LocalLdapServer.SyncPassword,
            baseDn = $"ou=people,{tree}", userFilter = "(objectClass=inetOrgPerson)",
            groupBaseDn = $"ou=groups,{tree}", groupFilter = "(objectClass=groupOfNames)", intervalMinutes,
        });
        return await response.ReadAsync<DirectorySettingsDto>(HttpStatusCode.OK);
    }

    /// <summary>Asks for a sync as the admin, runs it, and returns the finished run from the Location the 202 gave.</summary>
    public async Task<DirectorySyncRunDto> SyncAsync(Actor admin)
    {
        var accepted = await admin.PostAsync("/api/v1/organization/directory/sync");
        var queued = await accepted.ReadAsync<DirectorySyncRunDto>(HttpStatusCode.Accepted);
        Assert.Equal("queued", queued.State);
        var location = accepted.Headers.Location!.ToString();
        Assert.Equal($"/api/v1/organization/directory/runs/{queued.Id}", location);
        await RunSyncsAsync();
        return await admin.GetOkAsync<DirectorySyncRunDto>(location);
    }

    /// <summary>A finished run's report; fails with the run's error when it did not finish well.</summary>
    public async Task<DirectorySyncReportDto> SyncedAsync(Actor admin)
    {
        var run = await SyncAsync(admin);
        Assert.True(run.State == "done", $"The sync {run.State}: {run.Error}");
        return run.Report!;
    }
}

public sealed class SqliteDirectoryApp : DirectoryApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-ldap-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresDirectoryApp : DirectoryApp
{
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}
