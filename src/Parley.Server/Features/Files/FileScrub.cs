using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;

namespace Parley.Server.Features.Files;

/// <summary>What one scrub found: how many stored files it read, and which of them are missing or altered.</summary>
public sealed record ScrubReport(int Checked, IReadOnlyList<FileFinding> Findings)
{
    public bool IsClean => Findings.Count == 0;
}

/// <summary>
/// Re-reads every stored file and compares its bytes with its row, so damage (a failing disk, a restore gone wrong, a hand
/// that edited the data directory) is found when it happens, not when someone next opens the file, which may be after the
/// last backup that had it whole has expired. Runs soon after start, then every <see cref="FileOptions.ScrubInterval"/>;
/// findings go to <see cref="FileIntegrity"/> (readiness, the log). Reads a few files at a time so that it does not starve
/// the downloads it shares the disk with.
/// </summary>
public sealed partial class FileScrub(
    IServiceScopeFactory scopes, FileStore store, FileIntegrity integrity, IOptions<FileOptions> options, TimeProvider clock,
    ILogger<FileScrub> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);
    private const int BatchSize = 200, Concurrency = 2;
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
            var report = new ScrubReport(count, [.. findings.OrderBy(f => f.FileId)]);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "File scrub failed; the next run tries again.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
