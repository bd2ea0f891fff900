using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

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
/// An erasure request and how far it got. <c>State</c>: queued, running, done or failed; <c>Report</c> once done.
/// <c>MessagesDone</c> of <c>MessagesTotal</c>: the person's messages looked at so far (erased, or kept and hidden).
/// </summary>
public sealed record ErasureRequestDto(Guid Id, Guid UserId, string State, string Pseudonym, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt,
    int MessagesDone, int? MessagesTotal, ErasureReportDto? Report, string? Error);

/// <summary>
/// A GDPR art. 17 erasure request: the person becomes a pseudonym across the record, their account is deactivated and
/// their sessions end, at once, in the request. Then, in the background (<see cref="ErasureWorker"/>), their messages and
/// files are erased through the record's erasure entries, and the personal data of the audit entries about them is
/// erased through its salted commitments, so every chain still verifies. What a legal hold or a retention minimum keeps
/// stays, hidden from members (a deletion in the record) and readable only through the record by compliance.
/// </summary>
public static class ErasePersonalData
{
    public static async Task<Results<Accepted<ErasureRequestDto>, ProblemHttpResult>> HandleAsync(Guid userId, CurrentUser me, ParleyDb db,
        ErasureWorker worker, SessionCache sessions, ConnectionRegistry connections, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var person = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == me.OrganizationId, ct);
        if (person is null)
            return Problems.NotFound("user");
        if (!me.Can(Capability.Compliance))
            return GdprAccess.Refused();
        if (person.Id == me.Id)
            return Problems.Unprocessable("cannot-erase-self", "You cannot answer your own erasure request. Ask another compliance officer or admin.");
        if (person.Can(Capability.ManagePrivilegedPeople) && !me.Can(Capability.ManagePrivilegedPeople))
            return Problems.Forbidden("owner-only", "Only owners can erase an owner.");

        var now = clock.GetUtcNow();
        var pseudonym = Pseudonym.Of(person.Id);
        var already = person.Email == pseudonym.Email;
        var request = new ErasureRequest(me.OrganizationId, person.Id, me.Id, already, now);
        await using (var tx = await db.BeginWriteAsync(ct))
        {
            // The organization's audit head first, as for a deactivation (docs/architecture.md, "Lock order"); it also
            // makes two requests about the same person wait for each other, so the second finds the first's. The event is
            // about the request, not the person: it stays whole when their audit entries are erased.
            await db.AuditAsync(me, AuditAction.ErasureRequested, "erasure-request", request.Id.ToString(), new { user = person.Id, repeated = already },
                http, now, ct);
            if (await db.ErasureRequests.FirstOrDefaultAsync(r => r.OrganizationId == me.OrganizationId && r.UserId == person.Id
                    && (r.State == ErasureState.Queued || r.State == ErasureState.Running), ct) is { } underWay)
                return TypedResults.Accepted(Location(underWay), underWay.ToDto(pseudonym));      // rolls back: nothing new was asked
            if (!already)
            {
                if (person.Role == OrgRole.Owner && person.IsActive && await db.ActiveOwnersAsync(me.OrganizationId, ct) == 1)
                    return Problems.Unprocessable("last-owner", "An organization keeps at least one active owner.");
                await db.AuditAsync(me, AuditAction.UserDeactivated, "user", person.Id.ToString(), new { erasure = true }, http, now, ct);
                await PseudonymiseAsync(db, person, pseudonym, now, ct);
            }
            db.ErasureRequests.Add(request);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        if (!already)
        {
            sessions.Invalidate();
            connections.AbortUser(person.Id);
        }
        worker.Wake();
        return TypedResults.Accepted(Location(request), request.ToDto(pseudonym));
    }

    /// <summary>An erasure request of the caller's organization and how far it got (compliance officers, admins, owners).</summary>
    public static async Task<Results<Ok<ErasureRequestDto>, ProblemHttpResult>> GetAsync(Guid requestId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return GdprAccess.Refused();
        var request = await db.ErasureRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == requestId && r.OrganizationId == me.OrganizationId, ct);
        return request is null ? Problems.NotFound("erasure request") : TypedResults.Ok(request.ToDto(Pseudonym.Of(request.UserId)));
    }

    private static string Location(ErasureRequest request) => $"/api/v1/compliance/erasures/{request.Id}";

    private static ErasureRequestDto ToDto(this ErasureRequest r, Pseudonym pseudonym) => new(r.Id, r.UserId, r.State.ToString().ToLowerInvariant(),
        pseudonym.DisplayName, r.RequestedAt, r.CompletedAt, r.MessagesDone, r.MessagesTotal,
        r.Report is null ? null : JsonSerializer.Deserialize<ErasureReportDto>(r.Report, JsonSerializerOptions.Web), r.Error);

    /// <summary>The person becomes the pseudonym everywhere they are named; the account, its sessions and its second factors end.</summary>
    private static async Task PseudonymiseAsync(ParleyDb db, User person, Pseudonym pseudonym, DateTimeOffset now, CancellationToken ct)
    {
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
        await db.PushSubscriptions.Where(p => p.UserId == person.Id).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Erases the personal data of every audit event about the person (theirs, or about their account) and says so with
    /// <c>personal-data-erased</c> events by the officer who asked, each listing the indexes it erases in its target id (at
    /// most 64 characters, so several events for a long list), in one transaction: the erasure and the events that cover it
    /// commit together.
    /// </summary>
    internal static async Task<int> EraseAuditAsync(ParleyDb db, ErasureRequest request, Pseudonym pseudonym, PersonErasure.Outcome content,
        int messagesErased, int filesErased, DateTimeOffset now, CancellationToken ct)
    {
        var (personId, target) = (request.UserId, request.UserId.ToString());
        await using var tx = await db.BeginWriteAsync(ct);
        var events = await db.AuditEvents
            .Where(a => a.OrganizationId == request.OrganizationId && a.Version >= 2 && a.Salt != null
                && (a.ActorId == personId || (a.TargetType == "user" && a.TargetId == target)))
            .OrderBy(a => a.Index).ToListAsync(ct);
        foreach (var e in events)
            e.Erase();
        var lists = IndexLists(events.Select(e => e.Index));
        for (var i = 0; i < lists.Count; i++)
            await db.AuditAsync(request.OrganizationId, AuditAction.PersonalDataErased, request.RequestedBy, "audit", lists[i], i < lists.Count - 1 ? null : new
            {
                user = personId, request = request.Id, pseudonym = pseudonym.DisplayName, repeated = request.Repeated, messagesErased, filesErased,
                messagesKept = content.Kept.Values.Sum(), filesKept = content.FilesKept, auditEntriesErased = events.Count,
            }, null, now, ct);
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
