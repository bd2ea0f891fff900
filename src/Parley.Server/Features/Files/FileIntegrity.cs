using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Parley.Server.Features.Files;

/// <summary>What is wrong with a stored file's bytes.</summary>
public enum FileFault
{
    /// <summary>Nothing readable at its path.</summary>
    Missing,

    /// <summary>Bytes are there, but their SHA-256 or size is not the row's.</summary>
    Altered,
}

/// <summary>A stored file whose bytes are not what its row says.</summary>
public sealed record FileFinding(
    Guid OrganizationId, Guid FileId, FileFault Fault, string ExpectedSha256, long ExpectedSize, string? ActualSha256, long? ActualSize);

/// <summary>
/// The stored files known to be missing or altered, as downloads and the scrub (<see cref="FileScrub"/>) found them, for
/// readiness and the operator. A file leaves the list when a check that started after it was listed finds it sound again
/// (restored from a backup), or when a whole scrub no longer finds it (its row is gone).
/// <para>
/// Each finding is logged once, as an error, when it is new or changes, not on every download of the file: a broken image
/// in a busy channel would otherwise write one error per viewer. Checks carry a stamp taken before they read, so a check
/// that read the file before it broke cannot clear what a later check found.
/// </para>
/// </summary>
public sealed partial class FileIntegrity(ILogger<FileIntegrity> logger)
{
    private long _stamps;
    private readonly ConcurrentDictionary<Guid, (FileFinding Finding, long Stamp)> _bad = new();

    /// <summary>Take before reading a file (or starting a scrub); hand it to <see cref="Judge(StoredFile, FileStore.Contents, long, string, string)"/> or <see cref="ForgetBefore"/>.</summary>
    public long Mark() => Interlocked.Increment(ref _stamps);

    public int Count => _bad.Count;

    public IReadOnlyList<FileFinding> Findings => [.. _bad.Values.Select(v => v.Finding)];

    /// <summary>Compares what a check found with the row; records (and logs, if new) a fault, or clears an older one.</summary>
    /// <returns>The fault, or null when the file is sound.</returns>
    public FileFinding? Judge(StoredFile file, FileStore.Contents found, long mark, string check, string path) =>
        Judge(file.OrganizationId, file.Id, file.Sha256, file.Size, found, mark, check, path);

    /// <inheritdoc cref="Judge(StoredFile, FileStore.Contents, long, string, string)"/>
    public FileFinding? Judge(Guid organizationId, Guid fileId, string sha256, long size, FileStore.Contents found, long mark,
        string check, string path)
    {
        if (found.Matches(sha256, size))
        {
            if (_bad.TryGetValue(fileId, out var earlier) && earlier.Stamp < mark && _bad.TryRemove(new(fileId, earlier)))
                LogSound(logger, fileId, organizationId, check);
            return null;
        }
        var finding = new FileFinding(organizationId, fileId, found.Exists ? FileFault.Altered : FileFault.Missing, sha256, size,
            found.Sha256, found.Size);
        var stamp = Mark();
        var isNew = true;
        _bad.AddOrUpdate(fileId, (finding, stamp), (_, old) =>
        {
            isNew = old.Finding != finding;
            return (finding, stamp);
        });
        if (isNew)
            LogFault(logger, fileId, organizationId, check, finding.Fault, sha256, size, found.Sha256 ?? "none", found.Size, path);
        return finding;
    }

    /// <summary>After a whole scrub: drops the findings no check since <paramref name="mark"/> repeated (their rows are gone).</summary>
    public void ForgetBefore(long mark)
    {
        foreach (var entry in _bad)
            if (entry.Value.Stamp < mark)
                _bad.TryRemove(entry);
    }

    [LoggerMessage(Level = LogLevel.Error, Message =
        "Stored file {FileId} of organization {OrganizationId} failed its integrity check ({Check}): {Fault}. Expected SHA-256 " +
        "{ExpectedSha256} and {ExpectedSize} bytes, found SHA-256 {ActualSha256} and {ActualSize} bytes at {Path}. Its downloads " +
        "answer 503 file-integrity-failed and never serve these bytes. Restore the file from a backup to that path; the next " +
        "check that finds it sound clears this.")]
    private static partial void LogFault(ILogger logger, Guid fileId, Guid organizationId, string check, FileFault fault,
        string expectedSha256, long expectedSize, string actualSha256, long? actualSize, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored file {FileId} of organization {OrganizationId} is sound again ({Check}).")]
    private static partial void LogSound(ILogger logger, Guid fileId, Guid organizationId, string check);
}

/// <summary>
/// Part of <c>/readyz</c>: Degraded while any stored file is known to be missing or altered. Degraded, not Unhealthy: every
/// other file, and everything else, still works.
/// </summary>
internal sealed class FileIntegrityHealthCheck(FileIntegrity integrity) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(integrity.Count is var bad and > 0
            ? HealthCheckResult.Degraded($"{bad} stored file(s) missing or altered: their downloads are refused. The server log names each.")
            : HealthCheckResult.Healthy());
}
