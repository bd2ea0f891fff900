using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;

namespace Parley.Server.Features.Files;

/// <summary>
/// Moves file contents from the shared layout of old versions (<c>files/ab/cd/{sha256}</c>, one copy for every
/// organization) into each organization's folder, before the server takes requests. Every organization with a row for the
/// content gets its own copy (written to a temporary file, flushed to disk, renamed into place); the shared file is removed
/// only once every one of them has its copy. So the move can stop at any point (a crash, kill -9) with every file still
/// readable at one of its two places, and the next start simply carries on. Contents no row refers to are left where they
/// are: the server may have been pointed at the wrong database, and deleting files is not for a migration to decide.
/// </summary>
internal sealed partial class FileLayoutMigration(IServiceScopeFactory scopes, FileStore store, ILogger<FileLayoutMigration> logger)
    : IHostedService
{
    private const int Chunk = 500;

    public async Task StartAsync(CancellationToken ct)
    {
        var legacy = LegacyContents().ToList();
        if (legacy.Count == 0)
            return;
        var copiesByOrganization = new Dictionary<Guid, int>();
        int moved = 0, unclaimed = 0;
        foreach (var chunk in legacy.Chunk(Chunk))
        {
            var owners = await OwnersAsync(chunk, ct);
            foreach (var sha256 in chunk)
            {
                if (!owners.TryGetValue(sha256, out var organizations))
                {
                    unclaimed++;
                    continue;
                }
                if (moved == 0)
                    LogStarting(logger, store.Root);
                foreach (var organizationId in organizations)
                    if (await CopyAsync(sha256, organizationId, ct))
                        copiesByOrganization[organizationId] = copiesByOrganization.GetValueOrDefault(organizationId) + 1;
                RemoveLegacy(sha256);
                moved++;
            }
        }
        foreach (var (organizationId, copies) in copiesByOrganization)
            LogOrganization(logger, copies, organizationId, Path.Combine(store.Root, organizationId.ToString("D")));
        if (moved > 0)
            LogDone(logger, moved, copiesByOrganization.Values.Sum(), copiesByOrganization.Count);
        if (unclaimed > 0)
            LogUnclaimed(logger, unclaimed, store.Root);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The digests of the files in the old layout. Organization folders and <c>tmp</c> never match its two-character folders.</summary>
    private IEnumerable<string> LegacyContents()
    {
        if (!Directory.Exists(store.Root))
            return [];
        return Directory.EnumerateDirectories(store.Root)
            .Where(IsPrefixFolder)
            .SelectMany(Directory.EnumerateDirectories)
            .Where(IsPrefixFolder)
            .SelectMany(folder => Directory.EnumerateFiles(folder))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name.Length == 64 && name.All(char.IsAsciiHexDigitLower) && File.Exists(store.LegacyPathOf(name)));

        static bool IsPrefixFolder(string path) => Path.GetFileName(path) is { Length: 2 } name && name.All(char.IsAsciiHexDigitLower);
    }

    private async Task<Dictionary<string, Guid[]>> OwnersAsync(string[] digests, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var rows = await db.Files.AsNoTracking().Where(f => digests.Contains(f.Sha256))
            .Select(f => new { f.Sha256, f.OrganizationId }).Distinct().ToListAsync(ct);
        return rows.GroupBy(r => r.Sha256).ToDictionary(g => g.Key, g => g.Select(r => r.OrganizationId).ToArray());
    }

    /// <summary>Gives the organization its copy of the content, unless it has one; true when it copied.</summary>
    private async Task<bool> CopyAsync(string sha256, Guid organizationId, CancellationToken ct)
    {
        var target = store.PathOf(organizationId, sha256);
        if (File.Exists(target))
            return false;                                    // an earlier, interrupted run got this far
        var temp = store.NewTempPath();
        try
        {
            await using (var source = new FileStream(store.LegacyPathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true))
            await using (var copy = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await source.CopyToAsync(copy, ct);
                await copy.FlushAsync(ct);
                copy.Flush(flushToDisk: true);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target);
            LogCopied(logger, sha256, organizationId);
            return true;
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private void RemoveLegacy(string sha256)
    {
        var path = store.LegacyPathOf(sha256);
        File.Delete(path);
        for (var folder = Path.GetDirectoryName(path); folder is not null && folder != store.Root; folder = Path.GetDirectoryName(folder))
        {
            if (Directory.EnumerateFileSystemEntries(folder).Any())
                break;
            Directory.Delete(folder);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Moving file contents from the shared layout of {Root} to one folder per organization (once; an interrupted move resumes on the next start)")]
    private static partial void LogStarting(ILogger logger, string root);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Copied content {Sha256} for organization {OrganizationId}")]
    private static partial void LogCopied(ILogger logger, string sha256, Guid organizationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Copies} file content(s) of organization {OrganizationId} to {Folder}")]
    private static partial void LogOrganization(ILogger logger, int copies, Guid organizationId, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Moved {Moved} file content(s) out of the shared layout: {Copies} copies for {Organizations} organization(s)")]
    private static partial void LogDone(ILogger logger, int moved, int copies, int organizations);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "{Count} file(s) in the shared layout of {Root} belong to no file of the database, so they were left in place. If this is " +
        "the right database, they are leftovers of failed uploads and may be deleted (the two-character folders of {Root}).")]
    private static partial void LogUnclaimed(ILogger logger, int count, string root);
}
