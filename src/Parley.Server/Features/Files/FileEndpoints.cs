using Parley.Server.Platform;

namespace Parley.Server.Features.Files;

public static class FileEndpoints
{
    public static void MapFileEndpoints(this RouteGroupBuilder api)
    {
        // No Accepts<> here: routing would then send other content types to the /api fallback (404), and UploadFile
        // answers them itself with 415 multipart-required. AcceptsMultipartFile only documents the body.
        api.MapPost("/conversations/{conversationId:long}/files", UploadFile.HandleAsync).DisableAntiforgery().WithTags("Files")
            .WithSummary("Upload a file to a conversation")
            .WithDescription("One file as multipart/form-data, streamed to disk. Members who may post only. Send the returned id in a " +
                "message's `attachmentIds` to share it; until then only its uploader can download it.")
            .AcceptsMultipartFile("One file part (any field name) with its file name and content type.")
            .WithProblems(403);
        api.MapGet("/files/{fileId:guid}", DownloadFile.HandleAsync).WithTags("Files")
            .WithSummary("Download a file")
            .WithDescription("Whoever may read the file's conversation (its members; for a public channel, anyone in the organization " +
                "but guests), once the file is sent; before that, its uploader only. Images show inline, everything else downloads. " +
                "Every download is recorded in the audit log.");
    }
}
