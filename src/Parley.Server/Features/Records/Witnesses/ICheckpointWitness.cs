namespace Parley.Server.Features.Records.Witnesses;

/// <summary>
/// Somewhere outside the database that keeps each signed checkpoint once it is published. A database restored from an
/// old backup, or rewritten, cannot take back what a witness already holds: anyone with an earlier checkpoint can ask
/// the log to prove it is a prefix of the current one.
/// </summary>
public interface ICheckpointWitness
{
    /// <summary>Which witness this is, for logs and receipts (for example <c>folder /srv/parley/witness</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Hands a signed checkpoint (C2SP signed-note text) to the witness. Returns only once the witness holds it;
    /// throws <see cref="WitnessException"/> when it does not, and <see cref="CheckpointForkException"/> when it
    /// already holds a different checkpoint of the same size.
    /// </summary>
    Task<WitnessReceipt> PublishAsync(Guid organizationId, long treeSize, string note, CancellationToken ct);
}

/// <summary>What a witness gave back for a checkpoint.</summary>
/// <param name="Witness">The witness's <see cref="ICheckpointWitness.Name"/>.</param>
/// <param name="At">When it was published: the time-stamp authority's time for RFC 3161, otherwise ours.</param>
/// <param name="Token">Proof the witness can be held to (the DER RFC 3161 time-stamp token), or null when it gives none.</param>
public sealed record WitnessReceipt(string Witness, DateTimeOffset At, byte[]? Token);

/// <summary>A witness did not take a checkpoint. The message names the witness and says what went wrong.</summary>
public class WitnessException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The witness already holds a different checkpoint of the same size for the organization. Two different checkpoints
/// of one size mean the log was forked or rewritten; this is evidence, never something to overwrite.
/// </summary>
public sealed class CheckpointForkException(Guid organizationId, long treeSize, string witness, string message)
    : WitnessException(message)
{
    public Guid OrganizationId { get; } = organizationId;
    public long TreeSize { get; } = treeSize;
    public string Witness { get; } = witness;
}
