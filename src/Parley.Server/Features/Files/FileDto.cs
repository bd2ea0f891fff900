namespace Parley.Server.Features.Files;

/// <summary>A file's description. Download it from <c>/api/v1/files/{id}</c>.</summary>
public sealed record FileDto(Guid Id, long ConversationId, string FileName, string ContentType, long Size, Guid UploaderId, DateTimeOffset CreatedAt);

public static class FileDtos
{
    public static FileDto ToDto(this StoredFile f) => new(f.Id, f.ConversationId, f.FileName, f.ContentType, f.Size, f.UploaderId, f.CreatedAt);
}
