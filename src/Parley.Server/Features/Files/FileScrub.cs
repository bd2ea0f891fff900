using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;

namespace Parley.Server.Features.Files;

/// <summary>
/// What one scrub found: how many stored files it read, which of them are missing or altered, and how many orphaned bytes
/// (named by no row that is not erased) it deleted.
/// </summary>
public sealed record ScrubReport(int Checked, IReadOnlyList<FileFinding> Findings, int OrphansDeleted = 0)
{
    public bool IsClean => Findings.Count == 0;
}

/// <summary>
/// Re-reads every stored file and compares its bytes with its row, so damage (a failing disk, a restore gone wrong, a hand
/// that edited the data directory) is found when it happens, not when someone next opens the file, which may be after the
/// last backup that had it whole has expired. Runs soon after start, then every <see cref="FileOptions.ScrubInterval"/>;
/// findings go to <see cref="FileIntegrity"/> (readiness, the log). Reads a few files at a time so that it does not starve
/// the downloads it shares the disk with. Then it deletes orphaned bytes, older than <see cref="OrphanGrace"/>, that no row
/// which is not erased names: what a crash left between an erasure's commit and the deletion of its bytes, or between an
/// upload's bytes and its row, and temporary files of uploads cut short.
/// </summary>
public sealed partial class FileScrub(
    IServiceScopeFactory scopes, FileStore store, FileIntegrity integrity, IOptions<FileOptions> options, TimeProvider clock,
    ILogger<FileScrub> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);
    private const int BatchSize = 200, Concurrency = 2;

    /// <summary>Bytes written more recently than this are left alone: an upload renames its bytes into place before its row commits.</summary>
    public static readonly TimeSpan OrphanGrace = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _running = new(1, 1);

    private sealed record Row(Guid Id, Guid OrganizationId, string Sha256, long Size);

    /// <summary>Checks every stored file once. One run at a time: a second caller waits for the first to finish.</summary>
    public async Task<ScrubReport> RunOnceAsync(CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        try
        {
            var mark = integrity.Mark();
            var findings = new ConcurrentBag<FileFinding>();
            var count = 0;
            Guid? after = null;
            while (await NextBatchAsync(after, ct) is { Count: > 0 } batch)
            {
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
                    async (row, token) =>
                    {
                        var fileMark = integrity.Mark();
                        var found = await store.MeasureAsync(row.OrganizationId, row.Sha256, token);
                        if (integrity.Judge(row.OrganizationId, row.Id, row.Sha256, row.Size, found, fileMark, "scrub",
                                store.PathOf(row.OrganizationId, row.Sha256)) is { } finding)
                            findings.Add(finding);
                    });
                count += batch.Count;
                after = batch[^1].Id;
            }
            integrity.ForgetBefore(mark);
            var report = new ScrubReport(count, [.. findings.OrderBy(f => f.FileId)], await SweepOrphansAsync(ct));
            if (report.IsClean)
                LogClean(logger, count);
            else
                LogFound(logger, count, report.Findings.Count);
            return report;
        }
        finally
        {
            _running.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ScrubInterval;
        var wait = interval < FirstRunDelay ? interval : FirstRunDelay;
        try
        {
            while (true)
            {
                await Task.Delay(wait, clock, stoppingToken);
                wait = interval;
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(logger, e);                 // the database is away, say: the next run tries again
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> SweepOrphansAsync(CancellationToken ct)
    {
        var cutoff = (clock.GetUtcNow() - OrphanGrace).UtcDateTime;
        var (stored, temporary) = store.Inventory();
        var deleted = 0;
        foreach (var batch in stored.Where(c => File.GetLastWriteTimeUtc(c.Path) < cutoff).Chunk(BatchSize))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var hashes = batch.Select(c => c.Sha256).Distinct().ToList();
            var named = (await db.Files.AsNoTracking().Where(f => f.ErasedAt == null && hashes.Contains(f.Sha256))
                .Select(f => new { f.OrganizationId, f.Sha256 }).ToListAsync(ct)).Select(f => (f.OrganizationId, f.Sha256)).ToHashSet();
            foreach (var orphan in batch.Where(c => !named.Contains((c.OrganizationId, c.Sha256))))
            {
                store.Delete(orphan.OrganizationId, orphan.Sha256);
                LogOrphan(logger, orphan.OrganizationId, orphan.Sha256);
                deleted++;
            }
        }
        foreach (var path in temporary.Where(path => File.GetLastWriteTimeUtc(path) < cutoff).ToList())
            File.Delete(path);
        return deleted;
    }

    /// <summary>Rows in id order after <paramref name="after"/>: ids are time-ordered, so rows added during a run come last.</summary>
    private async Task<List<Row>> NextBatchAsync(Guid? after, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var files = scope.ServiceProvider.GetRequiredService<ParleyDb>().Files.AsNoTracking().Where(f => f.ErasedAt == null);   // erased: no bytes to keep
        if (after is { } last)
            files = files.Where(f => f.Id > last);
        return await files.OrderBy(f => f.Id).Take(BatchSize)
            .Select(f => new Row(f.Id, f.OrganizationId, f.Sha256, f.Size)).ToListAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "File scrub: {Checked} stored file(s) checked, all sound.")]
    private static partial void LogClean(ILogger logger, int @checked);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "File scrub: {Checked} stored file(s) checked, {Bad} missing or altered (each is named in an error when first found). " +
        "/readyz answers Degraded until they are restored.")]
    private static partial void LogFound(ILogger logger, int @checked, int bad);

    [LoggerMessage(Level = LogLevel.Information, Message = "File scrub: deleted orphaned bytes {Sha256} of organization {OrganizationId}, named by no file that is not erased.")]
    private static partial void LogOrphan(ILogger logger, Guid organizationId, string sha256);

    [LoggerMessage(Level = LogLevel.Error, Message = "File scrub failed; the next run tries again.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
