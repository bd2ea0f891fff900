using System.IO.Compression;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>
/// A person's access and portability export (GDPR art. 15 and 20): a ZIP in the layout of docs/compliance.md. Built in a
/// temporary file and streamed from there, as the record export is, so memory stays flat; the file goes when sent.
/// </summary>
public static class ExportPersonalData
{
    /// <summary>The caller's own data, whoever they are.</summary>
    public static Task<Results<FileStreamHttpResult, ProblemHttpResult>> MineAsync(CurrentUser me, ParleyDb db, FileStore files,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        ExportAsync(me.Id, me, db, files, clock, http, ct);

    /// <summary>Someone's data, for a compliance officer, an admin or an owner answering their request.</summary>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ForPersonAsync(Guid userId, CurrentUser me, ParleyDb db,
        FileStore files, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId && u.OrganizationId == me.OrganizationId, ct))
            return Problems.NotFound("user");
        if (!me.Can(Capability.Compliance))
            return GdprAccess.Refused();
        return await ExportAsync(userId, me, db, files, clock, http, ct);
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ExportAsync(Guid userId, CurrentUser me, ParleyDb db,
        FileStore files, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var person = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == me.OrganizationId, ct);
        if (person is null)
            return Problems.NotFound("user");
        var now = clock.GetUtcNow();
        var temp = files.NewTempPath();
        try
        {
            PersonalDataWriter.Summary summary;
            await using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            await using (var zip = new ZipArchive(output, ZipArchiveMode.Create))
                summary = await new PersonalDataWriter(db, files, person, zip).WriteAsync(me.Id, now, ct);

            await using (var tx = await db.BeginWriteAsync(ct))
            {
                await db.AuditAsync(me, AuditAction.PersonalDataExported, "user", person.Id.ToString(),
                    new { self = me.Id == person.Id, versions = summary.Versions, files = summary.Uploads, conversations = summary.Conversations,
                        seen = summary.Seen, audit = summary.AuditEntries }, http, now, ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            var content = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920,
                System.IO.FileOptions.Asynchronous | System.IO.FileOptions.DeleteOnClose | System.IO.FileOptions.SequentialScan);
            return TypedResults.File(content, "application/zip", $"parley-personal-data-{person.Id}.zip");
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}

internal static class GdprAccess
{
    public static ProblemHttpResult Refused() =>
        Problems.Forbidden("compliance-only", "Only compliance officers, admins and owners answer people's data requests.");
}
