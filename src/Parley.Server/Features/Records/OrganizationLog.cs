using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Server.Features.Records;

/// <summary>
/// The head of an organization's Merkle log (docs/record-format.md): how many leaves it holds and their RFC 9162 root.
/// Only the sequencer moves it, under this row's lock.
/// </summary>
public sealed class RecordLog
{
    private RecordLog() { }

    public RecordLog(Guid organizationId) => OrganizationId = organizationId;

    public Guid OrganizationId { get; private set; }
    public long Size { get; private set; }

    /// <summary>Lowercase hex; the empty tree's root when <see cref="Size"/> is 0.</summary>
    public string Root { get; private set; } = "";

    public void Grew(long size, byte[] root)
    {
        Size = size;
        Root = Convert.ToHexStringLower(root);
    }
}

/// <summary>
/// Up to 256 hashes of one level of the tree (C2SP tlog-tiles, height 8), concatenated. Partial tiles grow as leaves
/// come in; a full tile never changes.
/// </summary>
public sealed class LogTile
{
    private LogTile() { }

    public LogTile(Guid organizationId, int level, long index, byte[] hashes)
    {
        OrganizationId = organizationId;
        Level = level;
        Index = index;
        Hashes = hashes;
    }

    public Guid OrganizationId { get; private set; }
    public int Level { get; private set; }
    public long Index { get; private set; }
    public byte[] Hashes { get; set; } = [];
}

/// <summary>
/// An organization's Ed25519 checkpoint key. The private half is kept encrypted (ASP.NET Core Data Protection); the
/// public half stays published after rotation, so old checkpoints keep verifying.
/// </summary>
public sealed class SigningKey
{
    private SigningKey() { }

    public SigningKey(Guid organizationId, string name, uint keyId, byte[] publicKey, string verifierKey, string protectedSeed, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        Name = name;
        KeyId = keyId;
        PublicKey = publicKey;
        VerifierKey = verifierKey;
        ProtectedSeed = protectedSeed;
        CreatedAt = now;
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Name { get; private set; } = "";
    public long KeyId { get; private set; }
    public byte[] PublicKey { get; private set; } = [];

    /// <summary>The C2SP verifier key, <c>name+keyid+base64</c>: what a verifier is given.</summary>
    public string VerifierKey { get; private set; } = "";
    public string ProtectedSeed { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? RetiredAt { get; private set; }

    public void Retire(DateTimeOffset now) => RetiredAt = now;
}

/// <summary>A signed tree head of an organization's log, as the C2SP signed note it was published as.</summary>
public sealed class SignedCheckpoint
{
    private SignedCheckpoint() { }

    public SignedCheckpoint(Guid organizationId, long size, string root, string note, long keyId, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        Size = size;
        Root = root;
        Note = note;
        KeyId = keyId;
        CreatedAt = now;
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public long Size { get; private set; }
    public string Root { get; private set; } = "";
    public string Note { get; private set; } = "";
    public long KeyId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>A checkpoint handed to one witness, with what the witness gave back (an RFC 3161 token for a time-stamp authority).</summary>
public sealed class CheckpointPublication
{
    private CheckpointPublication() { }

    public CheckpointPublication(long checkpointId, string witness, DateTimeOffset at, byte[]? token)
    {
        CheckpointId = checkpointId;
        Witness = witness;
        At = at;
        Token = token;
    }

    public long CheckpointId { get; private set; }
    public string Witness { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
    public byte[]? Token { get; private set; }
}

internal sealed class OrganizationLogConfiguration :
    IEntityTypeConfiguration<RecordLog>, IEntityTypeConfiguration<LogTile>, IEntityTypeConfiguration<SigningKey>,
    IEntityTypeConfiguration<SignedCheckpoint>, IEntityTypeConfiguration<CheckpointPublication>
{
    public void Configure(EntityTypeBuilder<RecordLog> e)
    {
        e.HasKey(l => l.OrganizationId);
        e.Property(l => l.Root).HasMaxLength(64);
        e.HasOne<Organizations.Organization>().WithOne().HasForeignKey<RecordLog>(l => l.OrganizationId);
    }

    public void Configure(EntityTypeBuilder<LogTile> e) => e.HasKey(t => new { t.OrganizationId, t.Level, t.Index });

    public void Configure(EntityTypeBuilder<SigningKey> e)
    {
        e.HasIndex(k => new { k.OrganizationId, k.KeyId }).IsUnique();
        e.Property(k => k.Name).HasMaxLength(200);
        e.Property(k => k.VerifierKey).HasMaxLength(300);
    }

    public void Configure(EntityTypeBuilder<SignedCheckpoint> e)
    {
        e.HasIndex(c => new { c.OrganizationId, c.Size });
        e.Property(c => c.Root).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<CheckpointPublication> e)
    {
        e.HasKey(p => new { p.CheckpointId, p.Witness });
        e.Property(p => p.Witness).HasMaxLength(400);
        e.HasOne<SignedCheckpoint>().WithMany().HasForeignKey(p => p.CheckpointId);
    }
}
