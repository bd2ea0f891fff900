using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Records;

namespace Parley.Server.Features.Conversations;

/// <summary>Where the next entry of a conversation's record goes, and the hash it links to.</summary>
public readonly record struct ChainPosition(long EntryIndex, long MessageSeq, string PreviousHash);

public static class ConversationChain
{
    /// <summary>
    /// Moves the conversation's counters forward and returns the new position. Must run inside a transaction:
    /// the UPDATE locks the conversation's row (PostgreSQL) or the database (SQLite) until commit, which is what
    /// gives each conversation one order and an unbroken chain under concurrent senders.
    /// </summary>
    public static async Task<ChainPosition> AdvanceAsync(this ParleyDb db, long conversationId, bool newMessage, CancellationToken ct)
    {
        var row = db.Conversations.Where(c => c.Id == conversationId);
        if (newMessage)
            await row.ExecuteUpdateAsync(s => s
                .SetProperty(c => c.LastEntryIndex, c => c.LastEntryIndex + 1)
                .SetProperty(c => c.LastMessageSeq, c => c.LastMessageSeq + 1), ct);
        else
            await row.ExecuteUpdateAsync(s => s.SetProperty(c => c.LastEntryIndex, c => c.LastEntryIndex + 1), ct);

        var head = await row.Select(c => new { c.LastEntryIndex, c.LastMessageSeq, c.HeadHash }).SingleAsync(ct);
        return new ChainPosition(head.LastEntryIndex, head.LastMessageSeq, head.HeadHash);
    }

    /// <summary>Appends one entry at the position <see cref="AdvanceAsync"/> gave, and moves the head hash to it.</summary>
    public static async Task<RecordEntry> AppendAsync(this ParleyDb db, Conversation conversation, ChainPosition position,
        RecordKind kind, long messageSeq, Guid actorId, string content, DateTimeOffset now, CancellationToken ct)
    {
        var entry = new RecordEntry(conversation.OrganizationId, conversation.Id, position.EntryIndex, kind, messageSeq,
            actorId, content, now, position.PreviousHash);
        db.RecordEntries.Add(entry);
        await db.Conversations.Where(c => c.Id == conversation.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.HeadHash, entry.Hash), ct);
        return entry;
    }
}
