using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>What an erasure request did: <c>Status</c> is <c>erased</c> the first time, <c>already-erased</c> after.</summary>
/// <param name="MessagesErased">Messages whose every version (and files) this request erased.</param>
/// <param name="FilesErased">Files erased with those messages, and files they uploaded and never sent.</param>
/// <param name="Kept">Messages a legal hold or a retention minimum keeps, per conversation and reason: hidden from members,
/// readable by compliance through the record, erased by a later request once nothing keeps them.</param>
/// <param name="FilesKept">Files they uploaded and never sent that a hold or a minimum keeps (seen by no one but compliance).</param>
public sealed record ErasureReportDto(Guid UserId, string Status, string Pseudonym, DateTimeOffset ErasedAt, int MessagesErased,
    int FilesErased, int AuditEntriesErased, int KeptTotal, IReadOnlyList<KeptMessagesDto> Kept, int FilesKept);

/// <param name="Reason"><c>legal-hold</c> or <c>retention-minimum</c>.</param>
public sealed record KeptMessagesDto(long ConversationId, string Reason, int Count);

/// <summary>
/// A GDPR art. 17 erasure request: the person becomes a pseudonym across the record, their account is deactivated, their
/// messages and files are erased through the record's erasure entries, and the personal data of the audit entries about
/// them is erased through its salted commitments, so every chain still verifies. What a legal hold or a retention minimum
/// keeps stays, hidden from members (a deletion in the record) and readable only through the record by compliance.
/// </summary>
public static class ErasePersonalData
{
    public static async Task<Results<Ok<ErasureReportDto>, ProblemHttpResult>> HandleAsync(Guid userId, CurrentUser me, ParleyDb db,
        FileStore files, LiveEvents events, SessionCache sessions, ConnectionRegistry connections, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var person = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == me.OrganizationId, ct);
        if (person is null)
            return Problems.NotFound("user");
        if (!me.CanManageCompliance)
            return GdprAccess.Refused();
        if (person.Id == me.Id)
            return Problems.Unprocessable("cannot-erase-self", "You cannot answer your own erasure request. Ask another compliance officer or admin.");
        if (person.Role == OrgRole.Owner && me.Role != OrgRole.Owner)
            return Problems.Forbidden("owner-only", "Only owners can erase an owner.");

        var now = clock.GetUtcNow();
        var pseudonym = Pseudonym.Of(person.Id);
        var already = person.Email == pseudonym.Email;
        if (!already)
        {
            await using var tx = await db.BeginWriteAsync(ct);
            // The organization's audit head first, as for a deactivation (docs/architecture.md, "Lock order").
            await db.AuditAsync(me, AuditAction.UserDeactivated, "user", person.Id.ToString(), new { erasure = true }, http, now, ct);
            if (person.Role == OrgRole.Owner && person.IsActive && await db.ActiveOwnersAsync(me.OrganizationId, ct) == 1)
                return Problems.Unprocessable("last-owner", "An organization keeps at least one active owner.");
            if (person.IsActive)
                person.Deactivate(now);
            person.Pseudonymise(pseudonym.DisplayName, pseudonym.Email, pseudonym.Handle);
            await db.Sessions.Where(s => s.UserId == person.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, x => x.RevokedAt ?? now)
                    .SetProperty(x => x.DeviceName, Pseudonym.Device).SetProperty(x => x.Address, (string?)null), ct);
            await db.Invites.Where(i => i.UsedBy == person.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.Email, pseudonym.Email), ct);
            await db.TwoFactorSecrets.Where(t => t.UserId == person.Id).ExecuteDeleteAsync(ct);
            await db.RecoveryCodes.Where(c => c.UserId == person.Id).ExecuteDeleteAsync(ct);
            await db.SignInChallenges.Where(c => c.UserId == person.Id).ExecuteDeleteAsync(ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            sessions.Invalidate();
            connections.AbortUser(person.Id);
        }

        var content = await new PersonErasure(db, files, events, person.OrganizationId, person.Id, me.Id, now).EraseMessagesAsync(ct);
        db.ChangeTracker.Clear();
        var auditErased = await EraseAuditAsync(db, me, person.Id, pseudonym, content, already, http, now, ct);

        var erasedAt = already
            ? await db.AuditEvents.Where(a => a.OrganizationId == me.OrganizationId && a.Action == AuditAction.UserDeactivated
                    && a.TargetType == "user" && a.TargetId == person.Id.ToString())
                .OrderByDescending(a => a.Index).Select(a => a.At).FirstAsync(ct)
            : now;
        return TypedResults.Ok(new ErasureReportDto(person.Id, already ? "already-erased" : "erased", pseudonym.DisplayName, erasedAt,
            content.Erased, content.Files, auditErased, content.Kept.Values.Sum(),
            [.. content.Kept.OrderBy(k => k.Key.ConversationId).ThenBy(k => k.Key.Reason, StringComparer.Ordinal)
                .Select(k => new KeptMessagesDto(k.Key.ConversationId, k.Key.Reason, k.Value))], content.FilesKept));
    }

    /// <summary>
    /// Erases the personal data of every audit event about the person (theirs, or about their account) and says so with
    /// <c>personal-data-erased</c> events, each listing the indexes it erases in its target id (at most 64 characters, so
    /// several events for a long list), in one transaction: the erasure and the events that cover it commit together.
    /// </summary>
    private static async Task<int> EraseAuditAsync(ParleyDb db, CurrentUser me, Guid personId, Pseudonym pseudonym, PersonErasure.Outcome content,
        bool already, HttpContext http, DateTimeOffset now, CancellationToken ct)
    {
        var target = personId.ToString();
        await using var tx = await db.BeginWriteAsync(ct);
        var events = await db.AuditEvents
            .Where(a => a.OrganizationId == me.OrganizationId && a.Version >= 2 && a.Salt != null
                && (a.ActorId == personId || (a.TargetType == "user" && a.TargetId == target)))
            .OrderBy(a => a.Index).ToListAsync(ct);
        foreach (var e in events)
            e.Erase();
        var lists = IndexLists(events.Select(e => e.Index));
        for (var i = 0; i < lists.Count; i++)
            await db.AuditAsync(me, AuditAction.PersonalDataErased, "audit", lists[i], i < lists.Count - 1 ? null : new
            {
                user = personId, pseudonym = pseudonym.DisplayName, repeated = already, messagesErased = content.Erased, filesErased = content.Files,
                messagesKept = content.Kept.Values.Sum(), filesKept = content.FilesKept, auditEntriesErased = events.Count,
            }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return events.Count;
    }

    /// <summary>Comma-separated index lists of at most 64 characters (the target id's size); one empty list when there are none.</summary>
    internal static List<string?> IndexLists(IEnumerable<long> indexes)
    {
        var lists = new List<string?>();
        var current = new StringBuilder();
        foreach (var text in indexes.Select(i => i.ToString(CultureInfo.InvariantCulture)))
        {
            if (current.Length > 0 && current.Length + 1 + text.Length > 64)
            {
                lists.Add(current.ToString());
                current.Clear();
            }
            current.Append(current.Length > 0 ? "," : "").Append(text);
        }
        lists.Add(current.Length > 0 ? current.ToString() : null);
        return lists;
    }
}

/// <summary>The stable pseudonym of an erased person: derived from their account's id, the same at every request.</summary>
public sealed record Pseudonym(string DisplayName, string Email, string Handle)
{
    public const string Device = "Erased device";

    public static Pseudonym Of(Guid userId)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(userId.ToByteArray()));
        return new Pseudonym($"Former member {hex[..4]}", $"former-member-{hex[..16]}@erased.invalid", $"former-{hex[..16]}");
    }
}
