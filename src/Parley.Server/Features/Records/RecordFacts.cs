using System.Text.Json.Nodes;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records.Log;

namespace Parley.Server.Features.Records;

/// <summary>
/// What each kind of entry holds (docs/record-format.md, "Entries"): <c>data</c>, the facts that stay when content is
/// erased, and <c>content</c>, what erasure removes, as canonical JSON. One place, so the writers and the verifier agree.
/// </summary>
public static class RecordFacts
{
    public static string RoleName(MemberRole role) => role.ToString().ToLowerInvariant();

    public static string KindName(ConversationKind kind) => kind switch
    {
        ConversationKind.PublicChannel => "public-channel",
        ConversationKind.PrivateChannel => "private-channel",
        ConversationKind.Direct => "direct",
        _ => "group",
    };

    /// <summary>A message's content: its text and the HTML users see. Its files' names are committed by their upload entries.</summary>
    public static string MessageContent(string text, string html) => CanonicalJson.Serialize(new JsonObject
    {
        ["text"] = text,
        ["html"] = html,
    });

    public static JsonObject Posted(long? threadRootSeq, IEnumerable<StoredFile> files, string renderer) => new()
    {
        ["thread"] = threadRootSeq,
        ["files"] = new JsonArray(files.Select(f => (JsonNode?)FileFacts(f)).ToArray()),
        ["renderer"] = renderer,
    };

    public static JsonObject Edited(string renderer) => new() { ["renderer"] = renderer };

    public static JsonObject Deleted(bool bySender) => new() { ["bySender"] = bySender };

    public static JsonObject Reaction(string emoji) => new() { ["emoji"] = emoji };

    /// <summary>A pin or an unpin: the entry's kind, actor and message say it all.</summary>
    public static JsonObject Pin() => [];

    public static JsonObject Created(ConversationKind kind) => new() { ["kind"] = KindName(kind) };

    public static string? ChannelContent(string? name, string? topic, bool withName = true, bool withTopic = true)
    {
        var content = new JsonObject();
        if (withName)
            content["name"] = name;
        if (withTopic)
            content["topic"] = topic;
        return CanonicalJson.Serialize(content);
    }

    public static JsonObject Member(Guid userId, MemberRole role, MemberRole? before = null)
    {
        var data = new JsonObject { ["user"] = userId.ToString(), ["role"] = RoleName(role) };
        if (before is { } b)
            data["before"] = RoleName(b);
        return data;
    }

    public static JsonObject FileFacts(StoredFile file) => new()
    {
        ["file"] = file.Id.ToString(),
        ["sha256"] = file.Sha256,
        ["size"] = file.Size,
        ["type"] = file.ContentType,
    };

    public static string FileContent(StoredFile file) => CanonicalJson.Serialize(new JsonObject { ["name"] = file.FileName });

    /// <summary>Why content was erased: <c>retention</c>, <c>legal-request</c> or <c>other</c>, with an optional reference.</summary>
    public static JsonObject Erased(IEnumerable<long> entryIndexes, string reason, string? reference) => new()
    {
        ["entries"] = new JsonArray(entryIndexes.Select(i => (JsonNode?)i).ToArray()),
        ["reason"] = reason,
        ["reference"] = reference,
    };
}
