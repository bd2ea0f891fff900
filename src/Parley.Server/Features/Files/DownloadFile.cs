using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;

namespace Parley.Server.Features.Files;

public static class DownloadFile
{
    // Shown in the page when opened directly; everything else downloads, so an uploaded page can never run here.
    private static readonly HashSet<string> InlineTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    /// <summary>
    /// Whoever may read the file's conversation (its members, and any non-guest of the organization in a public channel)
    /// once the file is sent; before that, its uploader only. Every download is recorded in the audit log. The bytes are
    /// hashed before the first one is sent: bytes that are not the uploaded ones are never served (503 file-integrity-failed).
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> HandleAsync(
        Guid fileId, CurrentUser me, ParleyDb db, FileStore store, FileIntegrity integrity, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var file = await db.Files.SingleOrDefaultAsync(f => f.Id == fileId && f.OrganizationId == me.OrganizationId, ct);
        if (file is null || await db.ConversationAccessAsync(me, file.ConversationId, ct) is null)   // null: may not read it
            return Problems.NotFound("file");
        if (file.ErasedAt is not null)
            return Problems.Of(StatusCodes.Status410Gone, "file-erased", "This file was erased under the organization's retention policy or a legal request.");
        var visible = file.MessageId is { } messageId
            ? await db.Messages.AnyAsync(m => m.Id == messageId && m.DeletedAt == null, ct)
            : file.UploaderId == me.Id;                                  // not sent yet: only its uploader sees it
        if (!visible)
            return Problems.NotFound("file");

        var mark = integrity.Mark();
        var (content, found) = await store.OpenCheckedAsync(file.OrganizationId, file.Sha256, file.Size, ct);
        integrity.Judge(file, found, mark, "download", store.PathOf(file.OrganizationId, file.Sha256));   // logs a new fault
        if (content is null)
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "file-integrity-failed",
                "This file's stored contents are missing or damaged, so it cannot be downloaded. The operator has been told.");

        var now = clock.GetUtcNow();
        try
        {
            await using var tx = await db.BeginWriteAsync(ct);
            await db.AuditAsync(me, AuditAction.FileDownloaded, "file", file.Id.ToString(), new { file.ConversationId, file.Sha256 }, http, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }

        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        var inline = InlineTypes.Contains(file.ContentType);
        return TypedResults.File(content, file.ContentType,
            fileDownloadName: inline ? null : file.FileName, enableRangeProcessing: true);
    }
}
