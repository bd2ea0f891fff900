using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Files;

public static class UploadFile
{
    /// <summary>
    /// One file as <c>multipart/form-data</c> (field name free). The body is streamed to disk as it arrives; send the
    /// returned id in a message's <c>attachmentIds</c> to share it.
    /// </summary>
    public static async Task<Results<Created<FileDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, FileStore store, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.IsMember)
            return Problems.Forbidden("not-a-member", "Join this conversation before sharing files in it.");
        access.Conversation.EnsureWritable();   // archived: its files stay readable, but it takes no new ones

        var policies = await db.PoliciesAsync(me.OrganizationId, ct);
        var maxBytes = Math.Min(store.MaxFileBytes, policies.MaxFileBytes ?? long.MaxValue);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes + 64 * 1024;          // room for the multipart framing
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) ||
            !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return Problems.Of(415, "multipart-required", "Upload one file as multipart/form-data.");

        var reader = new MultipartReader(boundary, http.Request.Body);
        try
        {
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                    continue;
                var name = SafeFileName(disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : disposition.FileName.Value);
                var contentType = SafeContentType(section.ContentType);
                if (!policies.AllowsFileName(name))
                    return Problems.Of(415, "file-type-not-allowed", $"The organization accepts only these types of file: {policies.AllowedFileTypes}.");
                var saved = await store.SaveAsync(me.OrganizationId, section.Body, ct);
                // Over the organization's own limit but under the deployment's: the stored bytes stay unreferenced, as after
                // an upload never sent, until the file scrub removes them.
                if (saved.Size > maxBytes)
                    return Problems.Of(413, "file-too-large", $"Files are limited to {maxBytes:N0} bytes.");

                var now = clock.GetUtcNow();
                var file = new StoredFile(me.OrganizationId, conversationId, me.Id, name, contentType, saved.Size, saved.Sha256, now);
                db.Files.Add(file);
                await using var tx = await db.BeginWriteAsync(ct);
                // The conversation first, then the organization's audit head, as the lock order says (docs/architecture.md).
                // Under the lock, access again: a removal or an archive that committed since the check above counts.
                var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
                if (await db.ConversationAccessUnderLockAsync(me, conversationId, ct) is not { IsMember: true } stillThere)
                    return Problems.Forbidden("not-a-member", "Join this conversation before sharing files in it.");
                stillThere.Conversation.EnsureWritable();
                await db.AppendAsync(access.Conversation, position, RecordKind.FileUploaded, 0, me.Id, now,
                    RecordFacts.FileFacts(file), RecordFacts.FileContent(file), ct);
                await db.SaveChangesAsync(ct);
                await db.AuditAsync(me, AuditAction.FileUploaded, "file", file.Id.ToString(),
                    new { conversationId, size = saved.Size, sha256 = saved.Sha256 }, http, now, ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return TypedResults.Created($"/api/v1/files/{file.Id}", file.ToDto());
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Far over the limit, the body cap set above stops the upload before FileStore does: same answer.
            return Problems.Of(e.StatusCode, "file-too-large", $"Files are limited to {maxBytes:N0} bytes.");
        }
        return Problems.BadRequest("file-missing", "The form holds no file part. Send the file in a field with a filename.");
    }

    /// <summary>
    /// The last path segment, shown as it is named (<see cref="UserText.Name"/>: no bidi override can turn
    /// <c>invoice‮fdp.exe</c> into <c>invoiceexe.pdf</c>), without control characters, at most 255 characters; never empty.
    /// </summary>
    public static string SafeFileName(string? raw)
    {
        var name = UserText.Name(HeaderUtilities.RemoveQuotes(raw ?? "").ToString()).Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim().TrimStart('.');
        if (name.Length > StoredFile.MaxFileNameLength)
            name = name[..StoredFile.MaxFileNameLength];
        if (name.Length > 0 && char.IsHighSurrogate(name[^1]))
            name = name[..^1];                                        // never cut a character in two
        return name.Length == 0 ? "file" : name;
    }

    private static string SafeContentType(string? raw) =>
        MediaTypeHeaderValue.TryParse(raw, out var parsed) && parsed.MediaType.Length <= StoredFile.MaxContentTypeLength &&
        !parsed.MatchesAllTypes && !parsed.MatchesAllSubTypes
            ? parsed.MediaType.ToString().ToLowerInvariant()
            : "application/octet-stream";
}
