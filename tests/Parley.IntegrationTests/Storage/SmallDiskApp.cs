using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;

namespace Parley.IntegrationTests.Storage;

/// <summary>
/// A server that keeps its data on a small tmpfs of its own, which a test fills up and frees again. Mounting needs root
/// on Linux (CI runs as root): elsewhere these tests skip, except under CI=true, where they fail. The file system is
/// unmounted when the server is disposed, whatever happened.
/// </summary>
public abstract class SmallDiskApp : ParleyApp
{
    protected readonly string MountPoint = Path.Combine(Path.GetTempPath(), $"parley-small-disk-{Guid.NewGuid():N}");
    private bool _mounted;

    /// <summary>Why these tests cannot run here; null when they can.</summary>
    public string? NotAvailableBecause { get; private set; }

    private string Filler => Path.Combine(MountPoint, "filler");

    public override async ValueTask InitializeAsync()
    {
        NotAvailableBecause = !OperatingSystem.IsLinux() || Environment.UserName != "root"
            ? "Mounting a small tmpfs needs root on Linux: run the suite as root, as CI does."
            : !IsConfigured ? "PostgreSQL is not configured: set PARLEY_TEST_POSTGRES, or run ./test.sh, which starts one." : null;
        if (NotAvailableBecause is not null)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                throw new InvalidOperationException($"CI must run the full-disk tests: {NotAvailableBecause}");
            return;
        }
        Directory.CreateDirectory(MountPoint);
        Run("mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs", MountPoint);
        _mounted = true;
        try
        {
            await PrepareStorageAsync();
            await base.InitializeAsync();
        }
        catch
        {
            await CleanUpAsync();
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await CleanUpAsync();
        }
    }

    /// <summary>Puts the engine's data on the small file system before the server starts.</summary>
    protected abstract Task PrepareStorageAsync();

    /// <summary>Undoes <see cref="PrepareStorageAsync"/>, before the file system is unmounted.</summary>
    protected virtual Task ReleaseStorageAsync() => Task.CompletedTask;

    /// <summary>Makes sure the next database write needs new space instead of reusing space the engine already holds.</summary>
    public virtual Task BeforeFillingAsync() => Task.CompletedTask;

    /// <summary>Writes a filler file until the file system refuses another byte.</summary>
    public void Fill()
    {
        using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        foreach (var chunk in new[] { 1024 * 1024, 4096, 1 })
        {
            var bytes = new byte[chunk];
            Random.Shared.NextBytes(bytes);
            try
            {
                while (true)
                    filler.Write(bytes);
            }
            catch (IOException)
            {
            }
        }
    }

    public void Free() => File.Delete(Filler);

    private async Task CleanUpAsync()
    {
        if (!_mounted)
            return;
        _mounted = false;
        try
        {
            await ReleaseStorageAsync();
        }
        finally
        {
            Run("umount", "--lazy", MountPoint);
            Directory.Delete(MountPoint);
        }
    }

    protected static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }
}

/// <summary>The SQLite database and the data directory (the file store) share the small file system.</summary>
public sealed class SmallDiskSqliteApp : SmallDiskApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString => $"Data Source={Path.Combine(MountPoint, "parley.db")};Default Timeout=60";
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Parley:DataDirectory", Path.Combine(MountPoint, "data"))];

    protected override Task PrepareStorageAsync() => Task.CompletedTask;

    /// <summary>Empties the write-ahead log, whose space SQLite would otherwise reuse for the next commits.</summary>
    public override Task BeforeFillingAsync() =>
        WithDbAsync(db => db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);"));
}

/// <summary>
/// The test database's tables, indexes and temporary tables live in a tablespace on the small file system (the PostgreSQL
/// server runs on this machine), as a database administrator gives a large database a volume of its own. The data
/// directory, and with it the write-ahead log and the system catalogs, stays on the ordinary disk, so every failure here
/// is the database's, and the server stays up.
/// <para>
/// The catalogs stay there because a new PostgreSQL server process reads the database's relation cache file, and writes
/// it again when a change to the catalogs has removed it (autovacuum does, at any moment): on a full disk it could not,
/// and no new connection could start. Npgsql closes every pooled connection at the first full-disk error, so after it
/// each request needs a new one; with the catalogs on a full volume, reads would then fail at random.
/// </para>
/// </summary>
public sealed class SmallDiskPostgresApp : SmallDiskApp
{
    private readonly string _database = $"parley_small_{Guid.NewGuid():N}";
    private string Tablespace => _database + "_space";
    private string TablespaceFolder => Path.Combine(MountPoint, "pg");

    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    /// <summary>The record's background rounds run once a day here, so that nothing but the test's requests writes.</summary>
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Parley:Record:SequenceInterval", "1.00:00:00")];
    protected override string ConnectionString => $"{PostgresApp.ServerSetting};Database={_database}";

    protected override async Task PrepareStorageAsync()
    {
        Directory.CreateDirectory(TablespaceFolder);
        Run("chown", "postgres:postgres", TablespaceFolder);   // PostgreSQL's data must belong to its server's user
        await AdminAsync($"CREATE TABLESPACE \"{Tablespace}\" LOCATION '{TablespaceFolder}'");
        await AdminAsync($"CREATE DATABASE \"{_database}\"");
        await AdminAsync($"ALTER DATABASE \"{_database}\" SET default_tablespace = \"{Tablespace}\"");
        await AdminAsync($"ALTER DATABASE \"{_database}\" SET temp_tablespaces = \"{Tablespace}\"");
    }

    protected override async Task ReleaseStorageAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
        await AdminAsync($"DROP TABLESPACE IF EXISTS \"{Tablespace}\"");
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection($"{PostgresApp.ServerSetting};Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
