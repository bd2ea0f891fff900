using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records.Witnesses;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>The organization's record of processing activities (GDPR art. 30), generated from its live configuration.</summary>
public sealed record ProcessingRecordDto(Guid OrganizationId, string Controller, DateTimeOffset GeneratedAt, IReadOnlyList<DataCategoryDto> Categories,
    IReadOnlyList<string> Purposes, IReadOnlyList<RetentionInForceDto> Retention, int ActiveLegalHolds, int ReleasedLegalHolds,
    IReadOnlyList<RecipientDto> Recipients, IReadOnlyList<string> SecurityMeasures, ProcessingCountsDto Counts);

/// <param name="Subjects">Whose data: <c>employees</c> (members, admins, guests and officers of the organization).</param>
public sealed record DataCategoryDto(string Name, string Data, string Subjects, string Purpose, string Kept);

/// <param name="Scope"><c>organization</c>, <c>kind:public</c>, <c>conversation:42</c>.</param>
public sealed record RetentionInForceDto(string Scope, int? MinimumDays, int? MaximumDays);

/// <param name="Kind"><c>witness-folder</c>, <c>witness-http</c> or <c>timestamp-authority</c>.</param>
/// <param name="Receives">What leaves the server for it: signed checkpoints hold hashes only, no personal data.</param>
public sealed record RecipientDto(string Kind, string? Host, string Receives);

public sealed record ProcessingCountsDto(int People, int ActivePeople, int ErasedPeople, int Conversations, long Messages, long Files);

public static class ReadProcessingRecord
{
    public static async Task<Results<Ok<ProcessingRecordDto>, ContentHttpResult, ProblemHttpResult>> HandleAsync(string? format, CurrentUser me,
        ParleyDb db, IOptions<WitnessOptions> witnesses, IOptions<SessionLifetimeOptions> sessions, IOptions<PasswordOptions> passwords,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return GdprAccess.Refused();
        if (format is not (null or "json" or "md"))
            return Problems.BadRequest("format-invalid", "format is json or md.");
        var org = await db.Organizations.SingleAsync(o => o.Id == me.OrganizationId, ct);
        var policies = await db.RetentionPolicies.Where(p => p.OrganizationId == org.Id).OrderBy(p => p.Scope).ThenBy(p => p.ScopeKey)
            .Select(p => new RetentionInForceDto(p.ScopeKey, p.MinimumDays, p.MaximumDays)).ToListAsync(ct);
        var active = await db.LegalHolds.CountAsync(h => h.OrganizationId == org.Id && h.ReleasedAt == null, ct);
        var released = await db.LegalHolds.CountAsync(h => h.OrganizationId == org.Id && h.ReleasedAt != null, ct);
        var people = await db.Users.Where(u => u.OrganizationId == org.Id).GroupBy(u => 1)
            .Select(g => new { All = g.Count(), Active = g.Count(u => u.DeactivatedAt == null), Erased = g.Count(u => u.Email.EndsWith("@erased.invalid")) })
            .SingleOrDefaultAsync(ct);
        var counts = new ProcessingCountsDto(people?.All ?? 0, people?.Active ?? 0, people?.Erased ?? 0,
            await db.Conversations.CountAsync(c => c.OrganizationId == org.Id, ct),
            await db.Messages.LongCountAsync(m => m.OrganizationId == org.Id, ct), await db.Files.LongCountAsync(f => f.OrganizationId == org.Id, ct));

        var record = new ProcessingRecordDto(org.Id, org.Name, clock.GetUtcNow(), ProcessingActivities.Categories(policies.Count > 0),
            ProcessingActivities.Purposes, policies, active, released, Recipients(witnesses.Value),
            ProcessingActivities.Security(org.TwoFactorRequired, sessions.Value, passwords.Value), counts);
        await using (var tx = await db.BeginWriteAsync(ct))
        {
            await db.AuditAsync(me, AuditAction.ProcessingRecordRead, "organization", org.Id.ToString(), new { format = format ?? "json" }, http, record.GeneratedAt, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return format == "md"
            ? TypedResults.Text(ProcessingActivities.Markdown(record), "text/markdown; charset=utf-8", Encoding.UTF8)
            : TypedResults.Ok(record);
    }

    /// <summary>Where checkpoints go: hosts only, as a URL may carry a token.</summary>
    private static List<RecipientDto> Recipients(WitnessOptions options)
    {
        var recipients = new List<RecipientDto>();
        const string Checkpoints = "signed checkpoints of the record (tree size and root hash; no personal data)";
        if (!string.IsNullOrWhiteSpace(options.Folder))
            recipients.Add(new("witness-folder", null, Checkpoints));
        if (Uri.TryCreate(options.HttpUrl, UriKind.Absolute, out var http))
            recipients.Add(new("witness-http", http.Host, Checkpoints));
        if (Uri.TryCreate(options.TimestampUrl, UriKind.Absolute, out var tsa))
            recipients.Add(new("timestamp-authority", tsa.Host, "the hash of each signed checkpoint, to be time-stamped"));
        return recipients;
    }
}
