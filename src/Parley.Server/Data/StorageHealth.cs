using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Parley.Server.Data;

/// <summary>Where Parley writes: the database, and the file store in the data directory. Either may fill up alone.</summary>
public enum StorageArea { Database, Files }

/// <summary>Recognizes the errors that mean "there is no room left to write", whichever layer raised them.</summary>
public static class StorageFull
{
    // SQLite's primary codes, and the extended I/O errors it gives when a write, a sync or the WAL index cannot get space.
    private const int SqliteFull = 13, SqliteIoErr = 10;
    private static readonly HashSet<int> SqliteIoErrorsOfWrite =
    [
        10 | (3 << 8),    // SQLITE_IOERR_WRITE
        10 | (4 << 8),    // SQLITE_IOERR_FSYNC
        10 | (5 << 8),    // SQLITE_IOERR_DIR_FSYNC
        10 | (6 << 8),    // SQLITE_IOERR_TRUNCATE
        10 | (19 << 8),   // SQLITE_IOERR_SHMSIZE
        10 | (21 << 8),   // SQLITE_IOERR_SHMMAP
    ];

    // errno on Linux and macOS (ENOSPC 28, EDQUOT 122 on Linux and 69 on macOS); Windows' ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL.
    private static readonly HashSet<int> NoSpaceHResults = [28, 122, 69, unchecked((int)0x80070070), unchecked((int)0x80070027)];

    /// <summary>True when <paramref name="exception"/>, or one it wraps, says the storage is full; then <paramref name="area"/> says which.</summary>
    public static bool Is(Exception exception, out StorageArea area) => Find(exception, out area) is not null;

    /// <summary>The exception in the chain that says the storage is full, or null.</summary>
    public static Exception? Find(Exception exception, out StorageArea area)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException s when s.SqliteErrorCode == SqliteFull
                                            || (s.SqliteErrorCode == SqliteIoErr && SqliteIoErrorsOfWrite.Contains(s.SqliteExtendedErrorCode)):
                case PostgresException { SqlState: PostgresErrorCodes.DiskFull }:
                // A new server process that cannot write its relation cache file: on a full tablespace, the first
                // statement of a connection opened then fails so, with an internal error code and nothing else to go by.
                case PostgresException { SqlState: PostgresErrorCodes.InternalError, MessageText: "could not write init file" }:
                    area = StorageArea.Database;
                    return e;
                case IOException io when NoSpaceHResults.Contains(io.HResult):
                    area = StorageArea.Files;
                    return e;
                case AggregateException { InnerExceptions.Count: 1 } aggregate when Find(aggregate.InnerExceptions[0], out area) is { } found:
                    return found;
            }
        }
        area = default;
        return null;
    }
}

/// <summary>
/// Whether the server can write, as the last writes found it. A write that fails for lack of space marks the volume it
/// went to as full and logs one error that tells the operator what to do; while it is full, writes answer 507 and reads go
/// on. The volume counts as writable again when a write to it succeeds with room to spare (or readiness finds that room,
/// see <see cref="StorageHealthCheck"/>), which is logged once too. So a full disk costs two log entries, not one per
/// request, and writes resume by themselves when space returns.
/// <para>
/// State is kept per volume, not per area: the database and the file store usually share one disk, and that is one
/// event for the operator. Requiring room to spare, not just one successful write, keeps a nearly full disk, where SQLite
/// still reuses its journal's space while a larger upload fails, from flapping between the two states.
/// </para>
/// </summary>
public sealed partial class StorageHealth(
    IOptions<StorageOptions> storage, IOptions<DatabaseOptions> database, IServiceScopeFactory scopes, ILogger<StorageHealth> logger)
{
    /// <summary>What clients are told to wait before retrying a write refused for lack of space.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Free space a full local volume needs before writes to it count as recovered.</summary>
    public const long RoomToResume = 1024 * 1024;

    private const string PostgresVolume = "the PostgreSQL server's disk";
    private int _probing;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StorageArea> _fullVolumes = new(StringComparer.Ordinal);
    private readonly Lazy<string?>[] _folders =
    [
        new(() => DatabaseFolder(storage.Value, database.Value)),
        new(() => storage.Value.FullDataDirectory),
    ];

    public bool IsFull(StorageArea area) => !_fullVolumes.IsEmpty && _fullVolumes.ContainsKey(VolumeOf(area));

    /// <summary>A write to <paramref name="area"/> failed for lack of space.</summary>
    public void Failed(StorageArea area, Exception cause)
    {
        var volume = VolumeOf(area);
        if (_fullVolumes.TryAdd(volume, area))
            LogFull(logger, volume, area, (StorageFull.Find(cause, out _) ?? cause).Message);
    }

    /// <summary>A write to <paramref name="area"/> succeeded. Costs nothing while no volume is full.</summary>
    public void Written(StorageArea area)
    {
        if (_fullVolumes.IsEmpty)
            return;
        if (FolderOf(area) is { } folder)
            Resume(VolumeOf(area), HasRoom(folder));
        else
            _ = ProbeDatabaseServerAsync(CancellationToken.None);   // small writes fit in pages PostgreSQL already has
    }

    /// <summary>Marks writable again the full volumes that have room now (for readiness, when nobody writes).</summary>
    public async Task RecheckAsync(CancellationToken ct)
    {
        foreach (var area in Enum.GetValues<StorageArea>())
            if (FolderOf(area) is { } folder)
                Resume(VolumeOf(area), HasRoom(folder));
        await ProbeDatabaseServerAsync(ct);
    }

    /// <summary>The full volumes, for readiness.</summary>
    public IReadOnlyCollection<string> FullVolumes => [.. _fullVolumes.Keys];

    private void Resume(string volume, bool hasRoom)
    {
        if (hasRoom && _fullVolumes.TryRemove(volume, out var area))
            LogRecovered(logger, volume, area);
    }

    private static bool HasRoom(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace >= RoomToResume;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return true;
        }
    }

    /// <summary>
    /// PostgreSQL's disk is not ours to measure, and a small write that fits in a page it already has proves nothing:
    /// so a full database server counts as writable again when it can write <see cref="RoomToResume"/> of new data, into
    /// a temporary table that the probe's transaction then drops. One probe at a time.
    /// </summary>
    private async Task ProbeDatabaseServerAsync(CancellationToken ct)
    {
        if (!_fullVolumes.ContainsKey(PostgresVolume) || Interlocked.Exchange(ref _probing, 1) == 1)
            return;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlRawAsync(
                $"CREATE TEMPORARY TABLE parley_space_probe ON COMMIT DROP AS SELECT repeat('x', 1000) AS x FROM generate_series(1, {RoomToResume / 1024})", ct);
            await tx.RollbackAsync(ct);
            Resume(PostgresVolume, hasRoom: true);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
        {
            // Still full, or the server is unreachable (which the database check reports): try again on the next occasion.
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    /// <summary>The folder the area writes to on this machine; null for PostgreSQL, whose disk only its server sees.</summary>
    private string? FolderOf(StorageArea area) => _folders[(int)area].Value;

    private string VolumeOf(StorageArea area) => FolderOf(area) is { } folder ? MountPointOf(folder) : PostgresVolume;

    private static string? DatabaseFolder(StorageOptions storage, DatabaseOptions database)
    {
        if (database.Provider != DatabaseProvider.Sqlite)
            return null;
        var file = string.IsNullOrWhiteSpace(database.ConnectionString)
            ? null
            : new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        if (string.IsNullOrWhiteSpace(file) || file == ":memory:" || file.StartsWith("file:", StringComparison.Ordinal))
            return storage.FullDataDirectory;
        return Path.GetDirectoryName(Path.GetFullPath(file));
    }

    /// <summary>The mount point (or drive) holding <paramref name="folder"/>: the longest one that contains it.</summary>
    private static string MountPointOf(string folder)
    {
        try
        {
            var path = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
            return DriveInfo.GetDrives()
                .Select(d => Path.TrimEndingDirectorySeparator(d.RootDirectory.FullName) + Path.DirectorySeparatorChar)
                .Where(root => path.StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                .MaxBy(root => root.Length) ?? folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return folder;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message =
        "Storage full: {Volume} has no space left, so writes to the {Area} fail ({Cause}). Parley refuses writes with 507 " +
        "storage-full and keeps serving reads. Free space or grow the volume; writes resume by themselves, and this is not " +
        "logged again until the volume has recovered.")]
    private static partial void LogFull(ILogger logger, string volume, StorageArea area, string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage writable again: {Volume} has room, writes to the {Area} resume.")]
    private static partial void LogRecovered(ILogger logger, string volume, StorageArea area);
}

/// <summary>
/// Part of <c>/readyz</c>: Degraded while a volume Parley writes to is full. Degraded, not Unhealthy: reads still work, and
/// a load balancer that keeps sending requests lets the next write find out at once that space is back.
/// </summary>
internal sealed class StorageHealthCheck(StorageHealth storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        await storage.RecheckAsync(ct);
        var full = storage.FullVolumes;
        return full.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded($"Storage full ({string.Join(", ", full)}): writes are refused until space is freed.");
    }
}

/// <summary>
/// Tells <see cref="StorageHealth"/> when a database transaction commits. SQLite's writes commit in
/// <see cref="SqliteWriteGate"/>, which reports them itself; this sees PostgreSQL's.
/// </summary>
internal sealed class StorageWriteObserver(StorageHealth storage) : DbTransactionInterceptor
{
    public override void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) =>
        storage.Written(StorageArea.Database);

    public override Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken ct = default)
    {
        storage.Written(StorageArea.Database);
        return Task.CompletedTask;
    }
}
