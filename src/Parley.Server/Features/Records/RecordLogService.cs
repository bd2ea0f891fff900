using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records.Log;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.Server.Features.Records;

/// <summary>The organization log's settings. Section "Parley:Record".</summary>
public sealed class RecordOptions
{
    public const string Section = "Parley:Record";

    /// <summary>Names the logs: an organization's log origin (and key name) is <c>{LogName}/{organizationId}</c>.</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9.\-/]{1,100}$")] public string LogName { get; set; } = "parley";

    /// <summary>How often new entries are taken into the organizations' logs (at most a day: it paces the background rounds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")] public TimeSpan SequenceInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a log that grew gets a signed checkpoint (and on demand through the API).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often each log is proven consistent with the last checkpoint its witnesses hold (and at start).</summary>
    public TimeSpan ConsistencyInterval { get; set; } = TimeSpan.FromHours(1);

    public string OriginOf(Guid organizationId) => $"{LogName}/{organizationId}";
}

/// <summary>The tiles of one organization's tree, read and written through the caller's unit of work.</summary>
internal sealed class DatabaseTileStore(ParleyDb db, Guid organizationId) : ITileStore
{
    public async Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken ct) =>
        (await FindAsync(level, index, ct))?.Hashes;

    public async Task WriteTileAsync(int level, long index, byte[] hashes, CancellationToken ct)
    {
        if (await FindAsync(level, index, ct) is { } tile)
            tile.Hashes = hashes;
        else
            db.LogTiles.Add(new LogTile(organizationId, level, index, hashes));
    }

    // Local first: a tile written earlier in this unit of work is not in the database yet.
    private async Task<LogTile?> FindAsync(int level, long index, CancellationToken ct) =>
        db.LogTiles.Local.FirstOrDefault(t => t.OrganizationId == organizationId && t.Level == level && t.Index == index)
        ?? await db.LogTiles.SingleOrDefaultAsync(t => t.OrganizationId == organizationId && t.Level == level && t.Index == index, ct);
}

/// <summary>Each organization's checkpoint keys: created on first use, kept encrypted, rotated on demand.</summary>
public sealed class RecordKeys(IDataProtectionProvider protection, IOptions<RecordOptions> options)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Parley.Record.SigningKeys.v1");

    /// <summary>The organization's current signer; creates its first key (audited) when it has none.</summary>
    public async Task<(NoteSigner Signer, SigningKey Key)> CurrentAsync(ParleyDb db, Guid organizationId, DateTimeOffset now, CancellationToken ct)
    {
        var key = await db.SigningKeys.Where(k => k.OrganizationId == organizationId && k.RetiredAt == null)
            .OrderByDescending(k => k.Id).FirstOrDefaultAsync(ct)
            ?? await CreateAsync(db, organizationId, now, ct);
        return (NoteSigner.Create(key.Name, _protector.Unprotect(Convert.FromBase64String(key.ProtectedSeed))), key);
    }

    /// <summary>Retires the current key and makes a new one. Old public keys stay published: old checkpoints keep verifying.</summary>
    public async Task<SigningKey> RotateAsync(ParleyDb db, Guid organizationId, Guid? by, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var old in await db.SigningKeys.Where(k => k.OrganizationId == organizationId && k.RetiredAt == null).ToListAsync(ct))
            old.Retire(now);
        return await CreateAsync(db, organizationId, now, ct, by);
    }

    private async Task<SigningKey> CreateAsync(ParleyDb db, Guid organizationId, DateTimeOffset now, CancellationToken ct, Guid? by = null)
    {
        var (seed, _) = NoteSigner.GenerateKey();
        var signer = NoteSigner.Create(options.Value.OriginOf(organizationId), seed);
        var key = new SigningKey(organizationId, signer.Name, signer.KeyId, signer.PublicKey, signer.VerifierKey,
            Convert.ToBase64String(_protector.Protect(seed)), now);
        db.SigningKeys.Add(key);
        await db.AuditAsync(organizationId, AuditAction.SigningKeyCreated, by, "signing-key", signer.KeyId.ToString("x8"),
            new { verifierKey = signer.VerifierKey }, null, now, ct);
        return key;
    }
}

/// <summary>What the last consistency proof against the witnesses found, per organization; part of <c>/readyz</c>.</summary>
public sealed class RecordHealth
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, string> _alarms = new();

    public IReadOnlyDictionary<Guid, string> Alarms => _alarms;

    /// <summary>Records the alarm; true when it is new (so it is logged and audited once, not every round).</summary>
    public bool Raise(Guid organizationId, string problem)
    {
        var isNew = !_alarms.TryGetValue(organizationId, out var known) || known != problem;
        _alarms[organizationId] = problem;
        return isNew;
    }

    public void Clear(Guid organizationId) => _alarms.TryRemove(organizationId, out _);
}

internal sealed class RecordHealthCheck(RecordHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(health.Alarms.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded($"The record of {health.Alarms.Count} organization(s) disagrees with its published checkpoints: " +
                string.Join("; ", health.Alarms.Select(a => $"{a.Key}: {a.Value}"))));
}
