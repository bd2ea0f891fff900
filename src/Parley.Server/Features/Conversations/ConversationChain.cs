using System.Text.Json.Nodes;
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
        // One statement moves the counters and returns them (RETURNING: SQLite 3.35+ and PostgreSQL).
        var heads = newMessage
            ? db.Database.SqlQuery<ChainHead>($"""
                UPDATE "Conversations" SET "LastEntryIndex" = "LastEntryIndex" + 1, "LastMessageSeq" = "LastMessageSeq" + 1
                WHERE "Id" = {conversationId} RETURNING "LastEntryIndex", "LastMessageSeq", "HeadHash"
                """)
            : db.Database.SqlQuery<ChainHead>($"""
                UPDATE "Conversations" SET "LastEntryIndex" = "LastEntryIndex" + 1
                WHERE "Id" = {conversationId} RETURNING "LastEntryIndex", "LastMessageSeq", "HeadHash"
                """);
        var head = (await heads.ToListAsync(ct)).Single();   // not composed: the statement runs exactly as written
        return new ChainPosition(head.LastEntryIndex, head.LastMessageSeq, head.HeadHash);
    }

    /// <summary>
    /// Locks the conversation for the rest of the transaction without moving its record, and returns where the record
    /// stands. Changes to who may write in a conversation (membership, roles, archiving, renaming) take this lock, so
    /// every write that rechecks access under <see cref="AdvanceAsync"/> sees them, and each one has a place in the
    /// record: entries up to <see cref="ChainPosition.EntryIndex"/> came before it, later ones after.
    /// </summary>
    public static async Task<ChainPosition> LockAsync(this ParleyDb db, long conversationId, CancellationToken ct)
    {
        // A no-op UPDATE rather than SELECT … FOR UPDATE: the same row lock as AdvanceAsync's, on both engines.
        var heads = db.Database.SqlQuery<ChainHead>($"""
            UPDATE "Conversations" SET "LastEntryIndex" = "LastEntryIndex"
            WHERE "Id" = {conversationId} RETURNING "LastEntryIndex", "LastMessageSeq", "HeadHash"
            """);
        var head = (await heads.ToListAsync(ct)).SingleOrDefault()
            ?? throw new InvalidOperationException($"Conversation {conversationId} does not exist.");
        return new ChainPosition(head.LastEntryIndex, head.LastMessageSeq, head.HeadHash);
    }

    private sealed class ChainHead
    {
        public long LastEntryIndex { get; init; }
        public long LastMessageSeq { get; init; }
        public string HeadHash { get; init; } = "";
    }

    /// <summary>
    /// Appends one entry at the position <see cref="AdvanceAsync"/> gave, and moves the head hash to it. <paramref name="data"/>
    /// and <paramref name="content"/> are shaped by <see cref="RecordFacts"/>.
    /// </summary>
    public static async Task<RecordEntry> AppendAsync(this ParleyDb db, Conversation conversation, ChainPosition position,
        RecordKind kind, long messageSeq, Guid actorId, DateTimeOffset now, JsonObject? data, string? content, CancellationToken ct)
    {
        var entry = new RecordEntry(conversation.OrganizationId, conversation.Id, position.EntryIndex, kind, messageSeq,
            actorId, now, data, content, position.PreviousHash);
        db.RecordEntries.Add(entry);
        await MoveHeadAsync(db, conversation.Id, entry.Hash, ct);
        return entry;
    }

    /// <summary>
    /// Several entries in a row for a conversation already locked (created, or under <see cref="LockAsync"/>): each takes the
    /// next index, and the head moves once, to the last.
    /// </summary>
    public static async Task AppendAllAsync(this ParleyDb db, Conversation conversation,
        IReadOnlyList<(RecordKind Kind, Guid Actor, JsonObject? Data, string? Content)> facts, DateTimeOffset now, CancellationToken ct)
    {
        if (facts.Count == 0)
            return;
        var heads = db.Database.SqlQuery<ChainHead>($"""
            UPDATE "Conversations" SET "LastEntryIndex" = "LastEntryIndex" + {facts.Count}
            WHERE "Id" = {conversation.Id} RETURNING "LastEntryIndex", "LastMessageSeq", "HeadHash"
            """);
        var head = (await heads.ToListAsync(ct)).Single();
        var index = head.LastEntryIndex - facts.Count;
        var previous = head.HeadHash;
        foreach (var (kind, actor, data, content) in facts)
        {
            var entry = new RecordEntry(conversation.OrganizationId, conversation.Id, ++index, kind, 0, actor, now, data, content, previous);
            db.RecordEntries.Add(entry);
            previous = entry.Hash;
        }
        await MoveHeadAsync(db, conversation.Id, previous, ct);
    }

    // Plain SQL, as AdvanceAsync: on the path of every send, where a LINQ update costs its translation each time.
    private static Task<int> MoveHeadAsync(ParleyDb db, long conversationId, string hash, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""UPDATE "Conversations" SET "HeadHash" = {hash} WHERE "Id" = {conversationId}""", ct);
}
