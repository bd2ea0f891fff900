using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Platform;
using SQLitePCL;

namespace Parley.Server.Features.Backups;

/// <summary>
/// Backs up a deployment while it runs, into a new folder: the database (SQLite's online backup API, or <c>pg_dump</c>
/// in custom format), the file store, the key ring that protects the checkpoint keys, and <c>manifest.json</c> last.
/// </summary>
/// <remarks>
/// Each organization's newest checkpoint is read before the database is copied, so the copy holds at least that much
/// of its log: a restore that does not is damaged, and the drill says so. Files are copied after the database: every
/// file the copy names was already stored (an upload stores its bytes before its row commits).
/// </remarks>
public static class CreateBackup
{
    public const string SqliteFile = "parley.db", PostgresFile = "parley.pgdump";

    public static async Task<BackupManifest> RunAsync(IServiceProvider services, string folder, TimeProvider clock, ProgressReport progress,
        CancellationToken ct)
    {
        folder = Path.GetFullPath(folder);
        if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
            throw new AdminInputException($"{folder} is not empty: back up into a new folder, so that no backup is ever overwritten.");
        var place = DataPlace.Of(services);
        if (place.Provider == DatabaseProvider.Sqlite && !File.Exists(place.SqliteFile))
            throw new AdminInputException($"There is no database at {place.SqliteFile}: check Parley__DataDirectory and Parley__Database__ConnectionString.");

        var startedAt = clock.GetUtcNow();
        var (migration, organizations) = await ReadHeadsAsync(services, ct);
        Directory.CreateDirectory(folder);
        var contents = new List<BackedUpFile>();

        string database;
        if (place.Provider == DatabaseProvider.Sqlite)
        {
            progress.Step($"Copying the database {place.SqliteFile} (SQLite online backup)...");
            database = SqliteFile;
            SqliteCopy.Run(place.ConnectionString, Path.Combine(folder, database), progress, ct);
        }
        else
        {
            progress.Step($"Dumping the PostgreSQL database {place.PostgresDatabase} (pg_dump, custom format)...");
            database = PostgresFile;
            await PostgresTools.DumpAsync(place.ConnectionString, Path.Combine(folder, database), progress, ct);
        }
        contents.Add(await BackupManifest.MeasureAsync(folder, database, ct));

        progress.Step($"Copying the file store {place.FilesFolder}...");
        contents.AddRange(await CopyFolderAsync(place.FilesFolder, folder, DataPlace.FilesName, skip: DataPlace.FilesTemp, progress, ct));
        progress.Step($"Copying the key ring {place.KeysFolder}...");
        contents.AddRange(await CopyFolderAsync(place.KeysFolder, folder, DataPlace.KeysName, skip: null, progress, ct));

        var engine = place.Provider == DatabaseProvider.Sqlite ? BackupManifest.SqliteEngine : BackupManifest.PostgresEngine;
        var manifest = new BackupManifest(BackupManifest.CurrentFormat, startedAt, engine, migration, database, organizations, contents);
        await manifest.WriteAsync(folder, ct);
        progress.Line($"Backed up {organizations.Count} organization(s), {contents.Count(c => c.Path.StartsWith(DataPlace.FilesName + "/", StringComparison.Ordinal))} " +
            $"file(s), {contents.Sum(c => c.Bytes):N0} bytes into {folder}");
        return manifest;
    }

    private static async Task<(string? Migration, List<BackedUpOrganization> Organizations)> ReadHeadsAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var migration = (await db.Database.GetAppliedMigrationsAsync(ct)).LastOrDefault();
        var organizations = await db.Organizations.AsNoTracking().OrderBy(o => o.CreatedAt).Select(o => new { o.Id, o.Name }).ToListAsync(ct);
        var heads = new List<BackedUpOrganization>();
        foreach (var o in organizations)
        {
            var newest = await db.Checkpoints.AsNoTracking().Where(c => c.OrganizationId == o.Id).OrderByDescending(c => c.Size)
                .Select(c => new { c.Size, c.Root, c.Note }).FirstOrDefaultAsync(ct);
            heads.Add(new BackedUpOrganization(o.Id, o.Name, newest?.Size ?? 0, newest?.Root, newest?.Note));
        }
        return (migration, heads);
    }

    /// <summary>
    /// Copies <paramref name="source"/> into <c>backup/name</c>, hashing as it reads. The store's files are named by their
    /// SHA-256: one whose bytes do not match is copied as it is and named, for the drill after a restore to find too.
    /// </summary>
    internal static async Task<List<BackedUpFile>> CopyFolderAsync(string source, string backup, string name, string? skip,
        ProgressReport progress, CancellationToken ct)
    {
        var copied = new List<BackedUpFile>();
        if (!Directory.Exists(source))
            return copied;
        var all = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Where(f => skip is null || !Path.GetRelativePath(source, f).StartsWith(skip + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => new FileInfo(f)).ToList();
        long total = all.Sum(f => f.Length), done = 0;
        foreach (var file in all)
        {
            var relative = Path.Combine(name, Path.GetRelativePath(source, file.FullName)).Replace('\\', '/');
            var target = Path.Combine(backup, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var (sha256, bytes) = await CopyAsync(file.FullName, target, ct);
            if (name == DataPlace.FilesName && file.Name.Length == 64 && file.Name != sha256)
                progress.Line($"  warning: {relative} does not match its SHA-256 (damaged in the store); copied as it is");
            copied.Add(new BackedUpFile(relative, sha256, bytes));
            done += bytes;
            progress.Done(done, total, "bytes");
        }
        return copied;
    }

    /// <summary>Copies a file, flushed to disk, and returns the SHA-256 and size of what was copied.</summary>
    internal static async Task<(string Sha256, long Bytes)> CopyAsync(string from, string to, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
        await using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        var buffer = new byte[81920];
        long bytes = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            bytes += read;
        }
        await output.FlushAsync(ct);
        output.Flush(flushToDisk: true);
        return (Convert.ToHexStringLower(sha.GetHashAndReset()), bytes);
    }
}

/// <summary>Where the configured deployment keeps its database, files and keys.</summary>
internal sealed record DataPlace(DatabaseProvider Provider, string ConnectionString, string DataFolder)
{
    public const string FilesName = "files", KeysName = "keys", FilesTemp = "tmp";

    public string FilesFolder => Path.Combine(DataFolder, FilesName);
    public string KeysFolder => Path.Combine(DataFolder, KeysName);
    public string SqliteFile => Path.GetFullPath(new SqliteConnectionStringBuilder(ConnectionString).DataSource);
    public string PostgresDatabase => new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database ?? "(default)";

    /// <summary>The server's own settings, as it would resolve them; opens nothing (a SQLite file that is not there stays so).</summary>
    public static DataPlace Of(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var provider = services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider;
        return new DataPlace(provider, db.Database.GetConnectionString()!, services.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory);
    }
}

/// <summary>
/// SQLite's online backup, page by page with progress, of a database other connections keep writing. The source
/// connection holds one read transaction for the whole copy: in WAL mode writers go on, and the copy is the database as
/// of its start, never restarted by their commits.
/// </summary>
internal static class SqliteCopy
{
    private const int PagesPerStep = 1024;

    public static void Run(string sourceConnectionString, string targetFile, ProgressReport progress, CancellationToken ct)
    {
        var sourceSettings = new SqliteConnectionStringBuilder(sourceConnectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite };
        using var source = new SqliteConnection(sourceSettings.ToString());
        source.Open();
        using var snapshot = source.BeginTransaction(deferred: true);
        using (var read = source.CreateCommand())
        {
            read.Transaction = snapshot;
            read.CommandText = "SELECT count(*) FROM sqlite_master";       // the read transaction (the snapshot) starts here
            read.ExecuteScalar();
        }
        using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = targetFile, Pooling = false }.ToString());
        target.Open();
        Copy(source, target, progress, ct);
        snapshot.Rollback();
    }

    /// <summary>Copies every page of <paramref name="source"/> over <paramref name="target"/>; waits while another connection holds the target.</summary>
    public static void Copy(SqliteConnection source, SqliteConnection target, ProgressReport progress, CancellationToken ct)
    {
        var backup = raw.sqlite3_backup_init(target.Handle, "main", source.Handle, "main");
        if (backup is null || backup.IsInvalid)
            throw new AdminInputException($"SQLite could not start the copy: {raw.sqlite3_errmsg(target.Handle).utf8_to_string()}");
        var busySince = DateTimeOffset.UtcNow;
        int rc;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                rc = raw.sqlite3_backup_step(backup, PagesPerStep);
                var total = raw.sqlite3_backup_pagecount(backup);
                if (rc is raw.SQLITE_OK or raw.SQLITE_DONE)
                {
                    busySince = DateTimeOffset.UtcNow;
                    progress.Done(total - raw.sqlite3_backup_remaining(backup), total, "pages");
                }
                if (rc == raw.SQLITE_DONE)
                    break;
                if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
                {
                    if (DateTimeOffset.UtcNow - busySince > TimeSpan.FromSeconds(30))
                        throw new AdminInputException("The database stayed locked for 30 s: is a server running on it? Stop it first.");
                    Thread.Sleep(50);
                    continue;
                }
                if (rc != raw.SQLITE_OK)
                    break;
            }
        }
        finally
        {
            raw.sqlite3_backup_finish(backup);
        }
        if (rc != raw.SQLITE_DONE)
            throw new AdminInputException($"SQLite stopped the copy: {raw.sqlite3_errstr(rc).utf8_to_string()} ({rc}).");
    }
}
