using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Messages;

/// <param name="Data">The facts of the entry that erasure keeps (thread, files, emoji, who deleted), as in the record.</param>
/// <param name="Content">What erasure removes (the text and HTML of a version), as JSON; null once erased, or for an entry without.</param>
public sealed record RecordEntryDto(long Index, string Kind, Guid ActorId, DateTimeOffset At, JsonElement? Data, string? Content, string Hash);

public static class ListMessageVersions
{
    /// <summary>Every entry of the record about one message: posted, each edit, deletion, reactions. Its sender and admins only.</summary>
    public static async Task<Results<Ok<List<RecordEntryDto>>, ProblemHttpResult>> HandleAsync(
        long conversationId, long messageId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var (access, message) = await db.MessageAccessAsync(me, conversationId, messageId, ct);
        if (access is null || message is null)
            return Problems.NotFound("message");
        if (message.SenderId != me.Id && !me.Can(Capability.ReadMessageHistory))
            return Problems.Forbidden("record-restricted", "Only the sender and admins can read a message's history.");
        // Sorted here, not in SQL: an ORDER BY on the index leads the planner to walk the conversation's whole chain in
        // index order instead of looking up this message's few entries.
        var entries = await db.RecordEntries.Where(r => r.ConversationId == conversationId && r.MessageSeq == message.Seq).ToListAsync(ct);
        return TypedResults.Ok(entries.OrderBy(e => e.Index).Select(e => new RecordEntryDto(e.Index, KindName(e.Kind), e.ActorId, e.At,
            e.Data is null ? null : JsonDocument.Parse(e.Data).RootElement.Clone(), e.Content, e.Hash)).ToList());
    }

    private static string KindName(RecordKind kind) => kind switch
    {
        RecordKind.MessagePosted => "posted",
        RecordKind.MessageEdited => "edited",
        RecordKind.MessageDeleted => "deleted",
        RecordKind.ReactionAdded => "reaction-added",
        RecordKind.MessagePinned => "pinned",
        RecordKind.MessageUnpinned => "unpinned",
        _ => "reaction-removed",
    };
}
