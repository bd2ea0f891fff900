using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Records.Log;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Records;

/// <param name="Note">The C2SP signed note, exactly as the witnesses hold it.</param>
/// <param name="PublishedTo">The witnesses that acknowledged it, with their receipts' times.</param>
public sealed record CheckpointDto(long Size, string Root, string Note, string KeyId, DateTimeOffset CreatedAt, IReadOnlyList<PublicationDto> PublishedTo);

public sealed record PublicationDto(string Witness, DateTimeOffset At, bool HasToken);

/// <param name="VerifierKey">What a verifier is given: <c>name+keyid+base64</c> (C2SP signed-note).</param>
public sealed record SigningKeyDto(string KeyId, string VerifierKey, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

/// <param name="Proof">RFC 9162 §2.1.3 inclusion proof, hex, leaf to root.</param>
public sealed record InclusionProofDto(long Leaf, long Size, string LeafHash, string Root, IReadOnlyList<string> Proof);

/// <param name="Proof">RFC 9162 §2.1.4 consistency proof, hex.</param>
public sealed record ConsistencyProofDto(long From, long To, string FromRoot, string ToRoot, IReadOnlyList<string> Proof);

/// <summary>The organization's log: checkpoints, keys and proofs. Admins only, like the integrity check.</summary>
public static class RecordLogEndpoints
{
    public static async Task<Results<Ok<CheckpointDto>, ProblemHttpResult>> CreateCheckpointAsync(CurrentUser me, ParleyDb db,
        RecordSequencer sequencer, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageOrganization))
            return AdminOnly();
        var checkpoint = await sequencer.CheckpointAsync(me.OrganizationId, ct);
        return TypedResults.Ok(await ToDtoAsync(db, checkpoint, ct));
    }

    public static async Task<Results<Ok<CheckpointDto>, ProblemHttpResult>> LatestCheckpointAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ReadRecord))
            return AdminOnly();
        var checkpoint = await db.Checkpoints.AsNoTracking().Where(c => c.OrganizationId == me.OrganizationId)
            .OrderByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        return checkpoint is null
            ? Problems.NotFound("checkpoint")
            : TypedResults.Ok(await ToDtoAsync(db, checkpoint, ct));
    }

    public static async Task<Results<Ok<List<SigningKeyDto>>, ProblemHttpResult>> KeysAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ReadRecord))
            return AdminOnly();
        var keys = await db.SigningKeys.AsNoTracking().Where(k => k.OrganizationId == me.OrganizationId).OrderBy(k => k.Id).ToListAsync(ct);
        return TypedResults.Ok(keys.Select(k => new SigningKeyDto(((uint)k.KeyId).ToString("x8"), k.VerifierKey, k.CreatedAt, k.RetiredAt)).ToList());
    }

    /// <summary>Retires the current key and signs with a new one from now on; the old public key stays listed.</summary>
    public static async Task<Results<Ok<SigningKeyDto>, ProblemHttpResult>> RotateKeyAsync(CurrentUser me, ParleyDb db, RecordKeys keys,
        TimeProvider clock, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageSigningKeys))
            return Problems.Forbidden("owner-only", "Only an owner can rotate the organization's checkpoint key.");
        await using var tx = await db.BeginWriteAsync(ct);
        await RecordSequencer.LockLogAsync(db, me.OrganizationId, ct);     // two rotations at once leave one current key
        var key = await keys.RotateAsync(db, me.OrganizationId, me.Id, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new SigningKeyDto(((uint)key.KeyId).ToString("x8"), key.VerifierKey, key.CreatedAt, key.RetiredAt));
    }

    public static async Task<Results<Ok<InclusionProofDto>, ProblemHttpResult>> InclusionAsync(long leaf, long size, CurrentUser me, ParleyDb db,
        CancellationToken ct)
    {
        if (!me.Can(Capability.ReadRecord))
            return AdminOnly();
        if (await SizeAsync(db, me.OrganizationId, ct) is var logSize && (size < 1 || size > logSize || leaf < 0 || leaf >= size))
            return Problems.BadRequest("proof-range-invalid", $"Ask for a leaf below the size, and a size from 1 to the log's {logSize}.");
        var tree = Tree(db, me.OrganizationId);
        var proof = await tree.InclusionProofAsync(leaf, size, ct);
        return TypedResults.Ok(new InclusionProofDto(leaf, size, Hex(await tree.LeafHashAsync(leaf, ct)), Hex(await tree.RootAsync(size, ct)),
            proof.Select(Hex).ToList()));
    }

    public static async Task<Results<Ok<ConsistencyProofDto>, ProblemHttpResult>> ConsistencyAsync(long from, long to, CurrentUser me, ParleyDb db,
        CancellationToken ct)
    {
        if (!me.Can(Capability.ReadRecord))
            return AdminOnly();
        if (await SizeAsync(db, me.OrganizationId, ct) is var logSize && (from < 1 || from > to || to > logSize))
            return Problems.BadRequest("proof-range-invalid", $"Ask for sizes with 1 ≤ from ≤ to ≤ {logSize}, the log's size.");
        var tree = Tree(db, me.OrganizationId);
        var proof = await tree.ConsistencyProofAsync(from, to, ct);
        return TypedResults.Ok(new ConsistencyProofDto(from, to, Hex(await tree.RootAsync(from, ct)), Hex(await tree.RootAsync(to, ct)),
            proof.Select(Hex).ToList()));
    }

    private static ProblemHttpResult AdminOnly() => Problems.Forbidden("admin-only", "Only admins and compliance officers can read the organization's log.");

    private static TiledTree Tree(ParleyDb db, Guid organizationId) => new(new DatabaseTileStore(db, organizationId));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static async Task<long> SizeAsync(ParleyDb db, Guid organizationId, CancellationToken ct) =>
        await db.RecordLogs.Where(l => l.OrganizationId == organizationId).Select(l => (long?)l.Size).SingleOrDefaultAsync(ct) ?? 0;

    private static async Task<CheckpointDto> ToDtoAsync(ParleyDb db, SignedCheckpoint c, CancellationToken ct)
    {
        var publications = await db.CheckpointPublications.AsNoTracking().Where(p => p.CheckpointId == c.Id).OrderBy(p => p.At)
            .Select(p => new PublicationDto(p.Witness, p.At, p.Token != null)).ToListAsync(ct);
        return new CheckpointDto(c.Size, c.Root, c.Note, ((uint)c.KeyId).ToString("x8"), c.CreatedAt, publications);
    }
}
