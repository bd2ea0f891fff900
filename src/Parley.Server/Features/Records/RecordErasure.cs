using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Compliance;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;

namespace Parley.Server.Features.Records;

/// <summary>Why content was erased, as the erasure entry names it (docs/record-format.md).</summary>
public enum ErasureReason { Retention, LegalRequest, Other }

/// <summary>
/// Erasure that keeps the record provable: the content and salt of the entries go, their commitments stay, and a
/// <see cref="RecordKind.ContentErased"/> entry in the same transaction says which entries, why and by whom. Content that
/// is missing without such an entry is tampering. Retention and GDPR requests (the compliance features) erase through here.
/// </summary>
public static class RecordErasure
{
    public static string Name(ErasureReason reason) => reason switch
    {
        ErasureReason.Retention => "retention",
        ErasureReason.LegalRequest => "legal-request",
        _ => "other",
    };

    /// <summary>
    /// Erases every version of one message's text and HTML and the names of the files sent with it, and empties what users
    /// see of it. Returns the erasure entry's index, or null when there was nothing left to erase. Refuses (409
    /// <c>legal-hold</c> or <c>retention-minimum</c>) what a legal hold or the retention policy's minimum keeps. The files'
    /// bytes are for the caller to delete after commit (<see cref="Compliance.RetentionPurge"/> does).
    /// </summary>
    public static async Task<long?> EraseMessageAsync(this ParleyDb db, Guid organizationId, long conversationId, long seq,
        ErasureReason reason, string? reference, Guid by, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == conversationId && c.OrganizationId == organizationId, ct);
        if (conversation is null)
            return null;
        var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
        // Then the organization's row, shared (docs/architecture.md, "Lock order"): a hold or a policy committed from now
        // on waits for this erasure, and one committed before is seen below.
        await db.HoldOrganizationAsync(organizationId, ct);
        // Under the conversation's lock: a retention minimum or a legal hold keeps the message, whatever the reason.
        if (await db.KeptByAsync(organizationId, conversationId, seq, now, ct) is { } kept)
            throw new DomainException(kept, kept == "legal-hold"
                ? "A legal hold covers this message: it cannot be erased until the hold is released."
                : "The retention policy's minimum keeps this message: it cannot be erased yet.", StatusCodes.Status409Conflict);
        // No ORDER BY: SQLite would walk the conversation's (ConversationId, Index) index to avoid sorting a few rows,
        // reading every entry of the conversation (80 ms at 200,000) under the write lock. The erasure entry sorts them.
        var entries = await db.RecordEntries
            .Where(r => r.ConversationId == conversationId && r.MessageSeq == seq && r.Content != null && r.Commitment != "")
            .ToListAsync(ct);
        if (entries.Count == 0)
            return null;                              // the transaction rolls back: nothing to record
        // The files sent with the message go with it: their names from the record, their rows marked so that their bytes may go.
        var messageId = await db.Messages.Where(m => m.ConversationId == conversationId && m.Seq == seq).Select(m => m.Id).SingleAsync(ct);
        var fileIds = await db.Files.Where(f => f.MessageId == messageId && f.ErasedAt == null).Select(f => f.Id).ToListAsync(ct);
        foreach (var fileId in fileIds.Select(id => id.ToString()))
            entries.AddRange(await db.RecordEntries
                .Where(r => r.ConversationId == conversationId && r.Kind == RecordKind.FileUploaded && r.Content != null && r.Data!.Contains(fileId))
                .ToListAsync(ct));
        foreach (var entry in entries)
            entry.Erase();
        await db.Messages.Where(m => m.ConversationId == conversationId && m.Seq == seq)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Content, "").SetProperty(m => m.Html, ""), ct);
        await db.Files.Where(f => fileIds.Contains(f.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.FileName, "").SetProperty(f => f.ErasedAt, now), ct);
        await db.AppendAsync(conversation, position, RecordKind.ContentErased, 0, by, now,
            RecordFacts.Erased(entries.Select(e => e.Index).Order(), Name(reason), reference), null, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return position.EntryIndex;
    }

    /// <summary>
    /// Erases the name of a file that was uploaded and never sent (its <c>file-uploaded</c> entry's content) and marks its
    /// row so that its bytes may go, as <see cref="EraseMessageAsync"/> does for the files of a message. Returns the erasure
    /// entry's index, or null when there was nothing to erase. Refuses what a legal hold or a retention minimum keeps, read
    /// as for a message its uploader sent when they uploaded it.
    /// </summary>
    public static async Task<long?> EraseUnsentFileAsync(this ParleyDb db, Guid organizationId, Guid fileId, ErasureReason reason,
        string? reference, Guid by, DateTimeOffset now, CancellationToken ct)
    {
        var conversationId = await db.Files.Where(f => f.Id == fileId && f.OrganizationId == organizationId).Select(f => (long?)f.ConversationId).SingleOrDefaultAsync(ct);
        if (conversationId is null)
            return null;
        await using var tx = await db.BeginWriteAsync(ct);
        var position = await db.AdvanceAsync(conversationId.Value, newMessage: false, ct);
        await db.HoldOrganizationAsync(organizationId, ct);
        var file = await db.Files.SingleAsync(f => f.Id == fileId, ct);                       // under the lock: not sent since
        if (file.MessageId is not null || file.ErasedAt is not null)
            return null;
        var rules = await RetentionRules.LoadAsync(db, organizationId, now, ct, file.ConversationId);
        if (await rules.ProtectionAsync(file.ConversationId, file.UploaderId, file.CreatedAt, () => Task.FromResult<IReadOnlyList<string>>([])) is { } kept)
            throw new DomainException(kept, kept == "legal-hold"
                ? "A legal hold covers this file: it cannot be erased until the hold is released."
                : "The retention policy's minimum keeps this file: it cannot be erased yet.", StatusCodes.Status409Conflict);
        var id = file.Id.ToString();
        var entries = await db.RecordEntries
            .Where(r => r.ConversationId == file.ConversationId && r.Kind == RecordKind.FileUploaded && r.Content != null && r.Data!.Contains(id))
            .ToListAsync(ct);
        if (entries.Count == 0)
            return null;                              // the transaction rolls back: nothing to record
        foreach (var entry in entries)
            entry.Erase();
        await db.Files.Where(f => f.Id == file.Id).ExecuteUpdateAsync(s => s.SetProperty(f => f.FileName, "").SetProperty(f => f.ErasedAt, now), ct);
        var conversation = await db.Conversations.SingleAsync(c => c.Id == file.ConversationId, ct);
        await db.AppendAsync(conversation, position, RecordKind.ContentErased, 0, by, now,
            RecordFacts.Erased(entries.Select(e => e.Index).Order(), Name(reason), reference), null, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return position.EntryIndex;
    }
}
