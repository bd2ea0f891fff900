using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>An export and how far it got. <c>State</c>: queued, running, ready, failed or expired.</summary>
public sealed record DiscoveryExportDto(Guid Id, string Format, string State, int ItemsDone, int? ItemsTotal, Guid? HoldId,
    DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, DateTimeOffset ExpiresAt, long? Size, string? Sha256, string? Error);

public static class DiscoveryExportDtos
{
    public static DiscoveryExportDto ToDto(this DiscoveryExport x, DateTimeOffset now) => new(x.Id, x.Format.ToString().ToLowerInvariant(),
        x.IsExpired(now) ? "expired" : x.State.ToString().ToLowerInvariant(), x.ItemsDone, x.ItemsTotal, x.HoldId, x.CreatedAt, x.CompletedAt,
        x.ExpiresAt, x.Size, x.Sha256, x.Error);

    /// <summary>
    /// The export, when it is the caller's own: every other one (another officer's, another organization's, none) looks
    /// missing. A compliance officer's exports can hold anything in the organization; nobody else learns what they hold.
    /// </summary>
    public static Task<DiscoveryExport?> OwnExportAsync(this ParleyDb db, CurrentUser me, Guid exportId, CancellationToken ct) =>
        db.DiscoveryExports.SingleOrDefaultAsync(x => x.Id == exportId && x.OrganizationId == me.OrganizationId && x.CreatedBy == me.Id, ct);
}

/// <summary>Asks for an export of a search's matches or of what a legal hold covers; it is built in the background.</summary>
public static class CreateDiscoveryExport
{
    public sealed record Request
    {
        public DiscoveryCriteria? Criteria { get; init; }
        public Guid? HoldId { get; init; }

        /// <summary><c>jsonl</c>, <c>csv</c>, <c>eml</c> or <c>actiance</c> (Actiance XML).</summary>
        public string? Format { get; init; }
    }

    public static async Task<Results<Accepted<DiscoveryExportDto>, ProblemHttpResult>> HandleAsync(Request request, CurrentUser me, ParleyDb db,
        DiscoveryExporter exporter, IOptions<DiscoveryOptions> options, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        if (request.Format?.ToLowerInvariant() is not ("jsonl" or "csv" or "eml" or "actiance") || !Enum.TryParse<ExportFormat>(request.Format, true, out var format))
            return Problems.BadRequest("export-format-invalid", "The format is jsonl, csv, eml or actiance.");
        if ((request.Criteria is null) == (request.HoldId is null))
            return Problems.BadRequest("export-source-invalid", "Give either search criteria or a legal hold, not both.");
        DiscoveryCriteria? criteria;
        if (request.HoldId is { } holdId)
        {
            var hold = await db.LegalHolds.AsNoTracking().SingleOrDefaultAsync(h => h.Id == holdId && h.OrganizationId == me.OrganizationId, ct);
            if (hold is null)
                return Problems.BadRequest("export-hold-unknown", "This legal hold is not one of your organization's.");
            criteria = DiscoveryCriteria.Of(hold);
        }
        else
        {
            (criteria, var problem) = await request.Criteria!.ValidateAsync(db, me.OrganizationId, allowEmpty: false, ct);
            if (problem is not null)
                return problem;
        }
        // One match is enough to know the export is not empty; the builder counts them all.
        if ((await DiscoveryReader.PageAsync(db, me.OrganizationId, criteria!, 0, 1, int.MaxValue, ct)).Matches.Count == 0)
            return Problems.Unprocessable("export-empty", "No message matches: there is nothing to export.");

        var now = clock.GetUtcNow();
        var export = new DiscoveryExport(me.OrganizationId, me.Id, format, JsonSerializer.Serialize(criteria, ExportItems.Json), request.HoldId,
            now, options.Value.ExportLifetime);
        await using (var tx = await db.BeginWriteAsync(ct))
        {
            db.DiscoveryExports.Add(export);
            await db.AuditAsync(me, AuditAction.DiscoveryExportCreated, "discovery-export", export.Id.ToString(),
                new { format = request.Format!.ToLowerInvariant(), holdId = request.HoldId, criteria }, http, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        exporter.Wake();
        return TypedResults.Accepted($"/api/v1/compliance/exports/{export.Id}", export.ToDto(now));
    }
}

public static class ReadDiscoveryExports
{
    public static async Task<Results<Ok<List<DiscoveryExportDto>>, ProblemHttpResult>> ListAsync(CurrentUser me, ParleyDb db, TimeProvider clock,
        CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var now = clock.GetUtcNow();
        var exports = await db.DiscoveryExports.AsNoTracking().Where(x => x.OrganizationId == me.OrganizationId && x.CreatedBy == me.Id)
            .OrderByDescending(x => x.CreatedAt).Take(100).ToListAsync(ct);
        return TypedResults.Ok(exports.Select(x => x.ToDto(now)).ToList());
    }

    public static async Task<Results<Ok<DiscoveryExportDto>, ProblemHttpResult>> GetAsync(Guid exportId, CurrentUser me, ParleyDb db,
        TimeProvider clock, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var export = await db.OwnExportAsync(me, exportId, ct);
        return export is null ? Problems.NotFound("export") : TypedResults.Ok(export.ToDto(clock.GetUtcNow()));
    }
}

/// <summary>The archive, to the officer who asked for it, until it expires (410 <c>export-expired</c>). Audited before it leaves.</summary>
public static class DownloadDiscoveryExport
{
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> HandleAsync(Guid exportId, CurrentUser me, ParleyDb db,
        DiscoveryExporter exporter, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var export = await db.OwnExportAsync(me, exportId, ct);
        if (export is null)
            return Problems.NotFound("export");
        if (export.IsExpired(now))
            return Problems.Of(StatusCodes.Status410Gone, "export-expired", "This export expired; ask for a new one.");
        if (export.State != ExportState.Ready)
            return Problems.Conflict("export-not-ready", $"This export is {export.State.ToString().ToLowerInvariant()}, not ready to download.");
        FileStream content;
        try
        {
            content = new FileStream(exporter.PathOf(export.Id), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            return Problems.Of(StatusCodes.Status410Gone, "export-expired", "This export's archive is gone; ask for a new one.");
        }
        try
        {
            await db.AuditAsync(me, AuditAction.DiscoveryExportDownloaded, "discovery-export", export.Id.ToString(),
                new { size = export.Size, sha256 = export.Sha256 }, http, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
        return TypedResults.File(content, "application/zip", $"parley-export-{export.Id}.zip");
    }
}
