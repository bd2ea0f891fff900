using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Server.Features.Files;

/// <summary>
/// A file uploaded into a conversation. The bytes live once per content hash in the file store; this row says who
/// put them where, under which name, and which message carries them.
/// </summary>
public sealed class StoredFile
{
    public const int MaxFileNameLength = 255, MaxContentTypeLength = 100;

    private StoredFile() { }

    public StoredFile(Guid organizationId, long conversationId, Guid uploaderId, string fileName, string contentType, long size,
        string sha256, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        ConversationId = conversationId;
        UploaderId = uploaderId;
        FileName = fileName;
        ContentType = contentType;
        Size = size;
        Sha256 = sha256;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public long ConversationId { get; private set; }
    public Guid UploaderId { get; private set; }
    public string FileName { get; private set; } = "";
    public string ContentType { get; private set; } = "";
    public long Size { get; private set; }
    public string Sha256 { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The message this file was sent with; null until then.</summary>
    public long? MessageId { get; private set; }

    /// <summary>When its name and bytes were erased with its message (retention, a legal request); the row and its hash stay.</summary>
    public DateTimeOffset? ErasedAt { get; private set; }

    public void AttachTo(long messageId) => MessageId = messageId;
}

internal sealed class StoredFileConfiguration : IEntityTypeConfiguration<StoredFile>
{
    public void Configure(EntityTypeBuilder<StoredFile> e)
    {
        e.Property(f => f.FileName).HasMaxLength(StoredFile.MaxFileNameLength);
        e.Property(f => f.ContentType).HasMaxLength(StoredFile.MaxContentTypeLength);
        e.Property(f => f.Sha256).HasMaxLength(64);
        e.HasIndex(f => f.MessageId);
        e.HasIndex(f => new { f.ConversationId, f.CreatedAt });
        e.HasOne<Conversations.Conversation>().WithMany().HasForeignKey(f => f.ConversationId);
    }
}
