using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>
/// Erases what one person sent, message by message through <see cref="RecordErasure"/> (reason <c>legal-request</c>,
/// reference <c>erasure:&lt;user id&gt;</c>), each in its own short transaction as the retention purge does, so the write
/// path is never held for long and a request cut short resumes on the next: an erased message is not found again.
/// A message a hold or a minimum keeps is deleted from members' view instead (a <c>message-deleted</c> entry by the
/// officer); its content stays in the record for compliance.
/// </summary>
internal sealed class PersonErasure(ParleyDb db, FileStore files, LiveEvents events, Guid organizationId, Guid personId, Guid by, DateTimeOffset now)
{
    private const int PageSize = 100;

    public sealed record Outcome(int Erased, int Files, Dictionary<(long ConversationId, string Reason), int> Kept, int FilesKept);

    /// <summary>What a batch did: messages looked at (erased or kept), messages erased, files erased.</summary>
    public sealed record Batch(int Looked, int Erased, int Files);

    /// <summary>Their messages that still have content in the record: what is left to erase or to keep.</summary>
    public Task<int> CountRemainingAsync(CancellationToken ct) => Remaining(0).CountAsync(ct);

    private IQueryable<Message> Remaining(long after) => db.Messages.AsNoTracking()
        .Where(m => m.OrganizationId == organizationId && m.SenderId == personId && m.Id > after)
        .Where(m => db.RecordEntries.Any(r => r.ConversationId == m.ConversationId && r.MessageSeq == m.Seq && r.Content != null && r.Commitment != ""));

    /// <summary>Erases (or keeps and hides) every message they sent, then their unsent files, saying after each batch what it did.</summary>
    public async Task<Outcome> EraseMessagesAsync(Func<Batch, Task> batchDone, CancellationToken ct)
    {
        int erased = 0, filesErased = 0;
        var kept = new Dictionary<(long, string), int>();
        for (long after = 0; ;)
        {
            var page = await Remaining(after).OrderBy(m => m.Id).Take(PageSize).Select(m => new { m.Id, m.ConversationId, m.Seq }).ToListAsync(ct);
            if (page.Count == 0)
            {
                var (unsent, unsentKept) = await EraseUnsentFilesAsync(ct);
                await batchDone(new Batch(0, 0, unsent));
                return new Outcome(erased, filesErased + unsent, kept, unsentKept);
            }
            var (erasedBefore, filesBefore) = (erased, filesErased);
            foreach (var m in page)
            {
                var attached = await db.Files.AsNoTracking().Where(f => f.MessageId == m.Id && f.ErasedAt == null).Select(f => f.Sha256).ToListAsync(ct);
                try
                {
                    if (await db.EraseMessageAsync(organizationId, m.ConversationId, m.Seq, ErasureReason.LegalRequest, $"erasure:{personId}", by, now, ct) is null)
                        continue;
                }
                catch (DomainException e) when (e.Code is "legal-hold" or "retention-minimum")
                {
                    kept[(m.ConversationId, e.Code)] = kept.GetValueOrDefault((m.ConversationId, e.Code)) + 1;
                    db.ChangeTracker.Clear();
                    await HideAsync(m.ConversationId, m.Id, ct);
                    continue;
                }
                finally
                {
                    db.ChangeTracker.Clear();
                }
                erased++;
                foreach (var sha256 in attached.Distinct())
                {
                    await DeleteBytesAsync(sha256, ct);
                    filesErased++;
                }
            }
            after = page[^1].Id;
            await batchDone(new Batch(page.Count, erased - erasedBefore, filesErased - filesBefore));
        }
    }

    /// <summary>The files they uploaded and never sent: their names from the record, and their bytes.</summary>
    private async Task<(int Erased, int Kept)> EraseUnsentFilesAsync(CancellationToken ct)
    {
        int erased = 0, kept = 0;
        var unsent = await db.Files.AsNoTracking()
            .Where(f => f.OrganizationId == organizationId && f.UploaderId == personId && f.MessageId == null && f.ErasedAt == null)
            .Select(f => new { f.Id, f.Sha256 }).ToListAsync(ct);
        foreach (var file in unsent)
        {
            try
            {
                if (await db.EraseUnsentFileAsync(organizationId, file.Id, ErasureReason.LegalRequest, $"erasure:{personId}", by, now, ct) is null)
                    continue;
            }
            catch (DomainException e) when (e.Code is "legal-hold" or "retention-minimum")
            {
                kept++;                 // seen by no one but its uploader, who can no longer sign in: nothing to hide
                continue;
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
            await DeleteBytesAsync(file.Sha256, ct);
            erased++;
        }
        return (erased, kept);
    }

    /// <summary>Bytes go once no row that is not erased names them: the same content may have been sent elsewhere.</summary>
    private async Task DeleteBytesAsync(string sha256, CancellationToken ct)
    {
        if (!await db.Files.AnyAsync(f => f.OrganizationId == organizationId && f.Sha256 == sha256 && f.ErasedAt == null, ct))
            files.Delete(organizationId, sha256);
    }

    /// <summary>Deletes a kept message from members' view, as a moderator's deletion would, unless it already is.</summary>
    private async Task HideAsync(long conversationId, long messageId, CancellationToken ct)
    {
        await using var turn = events.TurnIn(conversationId);
        MessageDto dto;
        await using (var tx = await db.BeginWriteAsync(ct))
        {
            var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
            turn.Take();
            var message = await db.Messages.SingleAsync(m => m.Id == messageId, ct);   // read under the lock
            if (message.IsDeleted)
                return;                                                             // the transaction rolls back: nothing to record
            var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId, ct);
            message.Delete(by, position.EntryIndex, now);
            await db.Mentions.Where(m => m.MessageId == messageId).ExecuteDeleteAsync(ct);
            await db.AppendAsync(conversation, position, RecordKind.MessageDeleted, message.Seq, by, now, RecordFacts.Deleted(false), null, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            dto = await db.ToDtoAsync(message, ct);
        }
        await events.MessageChangedAsync(turn, LiveEvents.MessageChange.Deleted, dto, ct);
    }
}
