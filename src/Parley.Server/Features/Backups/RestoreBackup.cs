using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Backups;

/// <summary>
/// Restores a backup into the configured deployment: the database, the file store and the key ring. The backup is
/// checked against its manifest first, whole, and nothing of the target is touched before it passes. A target that
/// holds data is replaced only with <c>force</c>. The witness folder is never touched: it is the evidence a restore
/// is checked against. Then the shipped migrations run, as at a server's start.
/// </summary>
public static class RestoreBackup
{
    public static async Task<BackupManifest> RunAsync(IServiceProvider services, string folder, bool force, ProgressReport progress, CancellationToken ct)
    {
        folder = Path.GetFullPath(folder);
        var manifest = await BackupManifest.ReadAsync(folder, ct);
        var place = DataPlace.Of(services);
        var engine = place.Provider == DatabaseProvider.Sqlite ? BackupManifest.SqliteEngine : BackupManifest.PostgresEngine;
        if (manifest.Engine != engine)
            throw new AdminInputException($"This backup is of a {Engine(manifest.Engine)} database; the configured database is {Engine(engine)} " +
                "(Parley__Database__Provider). Restore it into the engine it was made from.");
        await using (var scope = services.CreateAsyncScope())
        {
            var known = scope.ServiceProvider.GetRequiredService<ParleyDb>().Database.GetMigrations().ToList();
            if (manifest.Migration is not null && !known.Contains(manifest.Migration))
                throw new AdminInputException($"This backup was made by a newer Parley (its schema is at migration {manifest.Migration}, " +
                    "which this version does not know). Restore it with that version or a later one.");
        }

        await CheckAsync(folder, manifest, progress, ct);
        // Held until the restore is over: no server starts on the data meanwhile.
        using var held = DataDirectoryLock.TryTakeExclusively(place.DataFolder);
        if (await WhatIsThereAsync(place, ct) is { } occupied)
        {
            if (!force)
                throw new AdminInputException($"The target is not empty: {occupied}. Restore into an empty data directory and database, " +
                    "or pass --force to replace what is there (stop the server first).");
            if (held is null)
                throw new AdminInputException($"A Parley server is running on the data directory {place.DataFolder} (it holds " +
                    $"{DataDirectoryLock.FileName}). Stop it, and every other node, before restoring.");
            if (place.Provider == DatabaseProvider.Postgres && await OtherConnectionsAsync(place.ConnectionString, ct) is { } others)
                throw new AdminInputException($"The PostgreSQL database {place.PostgresDatabase} is in use ({others}). Stop every Parley " +
                    "node that uses it, and close other connections to it, before restoring over it.");
            progress.Line($"Replacing what is there (--force): {occupied}");
        }
        else if (held is null)
            throw new AdminInputException($"A Parley server is starting on the data directory {place.DataFolder} (it holds " +
                $"{DataDirectoryLock.FileName}). Stop it before restoring.");

        if (place.Provider == DatabaseProvider.Sqlite)
        {
            progress.Step($"Restoring the database into {place.SqliteFile}...");
            Directory.CreateDirectory(Path.GetDirectoryName(place.SqliteFile)!);
            SqliteConnection.ClearAllPools();
            var backup = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, manifest.Database), Mode = SqliteOpenMode.ReadOnly, Pooling = false };
            using var source = new SqliteConnection(backup.ToString());
            using var target = new SqliteConnection(new SqliteConnectionStringBuilder(place.ConnectionString) { Pooling = false }.ToString());
            source.Open();
            target.Open();
            SqliteCopy.Copy(source, target, progress, ct);
        }
        else
        {
            progress.Step($"Restoring the PostgreSQL database {place.PostgresDatabase} (pg_restore)...");
            await PreparePostgresAsync(place.ConnectionString, ct);
            await PostgresTools.RestoreAsync(place.ConnectionString, Path.Combine(folder, manifest.Database), progress, ct);
            NpgsqlConnection.ClearAllPools();
        }

        progress.Step($"Restoring the file store and the key ring into {place.DataFolder}...");
        foreach (var name in new[] { DataPlace.FilesName, DataPlace.KeysName })
            if (Directory.Exists(Path.Combine(place.DataFolder, name)))
                Directory.Delete(Path.Combine(place.DataFolder, name), recursive: true);
        var files = manifest.Contents.Where(c => c.Path != manifest.Database).ToList();
        long total = files.Sum(f => f.Bytes), done = 0;
        foreach (var file in files)
        {
            var target = Path.Combine(place.DataFolder, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await CreateBackup.CopyAsync(Path.Combine(folder, file.Path), target, ct);
            progress.Done(done += file.Bytes, total, "bytes");
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            if (pending > 0)
                progress.Step($"Applying {pending} migration(s) of this version...");
            await db.Database.MigrateAsync(ct);
        }
        progress.Line($"Restored the backup of {manifest.CreatedAt:u} ({manifest.Organizations.Count} organization(s)).");
        return manifest;
    }

    private static string Engine(string engine) => engine == BackupManifest.SqliteEngine ? "SQLite" : "PostgreSQL";

    /// <summary>Every file of the backup is there, with the size and SHA-256 its manifest says.</summary>
    private static async Task CheckAsync(string folder, BackupManifest manifest, ProgressReport progress, CancellationToken ct)
    {
        progress.Step($"Checking the backup {folder} against its manifest...");
        long total = manifest.Contents.Sum(c => c.Bytes), done = 0;
        foreach (var expected in manifest.Contents)
        {
            var path = Path.Combine(folder, expected.Path);
            if (!File.Exists(path))
                throw new AdminInputException($"The backup is damaged: {expected.Path} is missing.");
            var found = await BackupManifest.MeasureAsync(folder, expected.Path, ct);
            if (found != expected)
                throw new AdminInputException($"The backup is damaged: {expected.Path} does not match the SHA-256 in its manifest.");
            progress.Done(done += expected.Bytes, total, "bytes");
        }
    }

    /// <summary>What the target already holds, in words; null when it is empty (an empty folder or database file counts as empty).</summary>
    private static async Task<string?> WhatIsThereAsync(DataPlace place, CancellationToken ct)
    {
        var found = new List<string>();
        if (place.Provider == DatabaseProvider.Sqlite)
        {
            if (File.Exists(place.SqliteFile) && new FileInfo(place.SqliteFile).Length > 0)
                found.Add($"the database {place.SqliteFile} exists");
        }
        else if (await PostgresTablesAsync(place.ConnectionString, ct) is > 0 and var tables)
            found.Add($"the PostgreSQL database {place.PostgresDatabase} has {tables} table(s)");
        foreach (var folder in new[] { place.FilesFolder, place.KeysFolder })
            if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any())
                found.Add($"{folder} holds files");
        return found.Count == 0 ? null : string.Join("; ", found);
    }

    /// <summary>Tables in the target database's public schema; 0 when the database does not exist yet.</summary>
    private static async Task<long> PostgresTablesAsync(string connectionString, CancellationToken ct)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (!await PostgresDatabaseExistsAsync(settings, ct))
            return 0;
        await using var connection = new NpgsqlConnection(settings.ToString());
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", connection);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The other sessions connected to the target database, said for the operator ("2 connections, from 10.0.0.5, local"),
    /// or null when there are none: a node on another machine holds no lock in this data directory, but it is connected.
    /// </summary>
    private static async Task<string?> OtherConnectionsAsync(string connectionString, CancellationToken ct)
    {
        NpgsqlConnection.ClearAllPools();                       // this process's own pooled connections are not a server's
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT count(*), coalesce(string_agg(DISTINCT coalesce(host(client_addr), 'local'), ', '), '') " +
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var count = reader.GetInt64(0);
        return count == 0 ? null : $"{count} other connection{(count == 1 ? "" : "s")}, from {reader.GetString(1)}";
    }

    /// <summary>Creates the target database when it does not exist; otherwise empties its public schema (a --force restore).</summary>
    private static async Task PreparePostgresAsync(string connectionString, CancellationToken ct)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (!await PostgresDatabaseExistsAsync(settings, ct))
        {
            await using var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(settings.ToString()) { Database = "postgres" }.ToString());
            await server.OpenAsync(ct);
            var name = settings.Database!.Replace("\"", "\"\"", StringComparison.Ordinal);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", server);
            await create.ExecuteNonQueryAsync(ct);
            return;
        }
        await using var connection = new NpgsqlConnection(settings.ToString());
        await connection.OpenAsync(ct);
        await using var empty = new NpgsqlCommand("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;", connection);
        await empty.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> PostgresDatabaseExistsAsync(NpgsqlConnectionStringBuilder settings, CancellationToken ct)
    {
        await using var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(settings.ToString()) { Database = "postgres" }.ToString());
        await server.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", server) { Parameters = { new() { Value = settings.Database } } };
        return await exists.ExecuteScalarAsync(ct) is not null;
    }
}
