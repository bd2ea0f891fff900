using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Messages;

/// <summary>What a message entry of the record holds: the exact text and the files it carried.</summary>
public sealed record MessageRecordContent(string Text, IReadOnlyList<Guid> Attachments, long? ThreadRootSeq)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
}

public static class MessageChecks
{
    /// <summary>Text must fit the limit; a message needs text or at least one file.</summary>
    public static void ValidateContent(string? content, int attachments, MessageOptions options)
    {
        if (content is { } text && text.Length > options.MaxLength)
            throw new DomainException("message-too-long", $"Messages are at most {options.MaxLength:N0} characters. Split it, or send it as a file.", 400);
        if (string.IsNullOrWhiteSpace(content) && attachments == 0)
            throw new DomainException("message-empty", "A message needs some text or a file.", 400);
        if (attachments > options.MaxAttachments)
            throw new DomainException("too-many-attachments", $"A message carries at most {options.MaxAttachments} files.", 400);
    }

    /// <summary>The members of the conversation named with @handle; mentioning someone outside it notifies no one.</summary>
    public static async Task<List<Guid>> MentionedMembersAsync(this ParleyDb db, CurrentUser me, long conversationId,
        IReadOnlyList<string> handles, CancellationToken ct)
    {
        if (handles.Count == 0)
            return [];
        return await db.Users
            .Where(u => u.OrganizationId == me.OrganizationId && handles.Contains(u.Handle))
            .Where(u => db.ConversationMembers.Any(m => m.ConversationId == conversationId && m.UserId == u.Id))
            .Select(u => u.Id)
            .ToListAsync(ct);
    }
}
