using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Parley.Server.Features.Records.Log;

/// <summary>The first thing that does not check out: which leaf, which chain and entry, and what is wrong, in words.</summary>
public sealed record RecordFinding(long? Leaf, string Chain, long? Index, string Problem)
{
    public override string ToString() =>
        (Leaf is { } leaf ? $"leaf {leaf}" : Chain) + (Leaf is not null && Chain.Length > 0 ? $" ({Chain}{(Index is { } i ? $", entry {i}" : "")})" : "")
        + $": {Problem}";
}

/// <summary>
/// Checks an organization's record leaf by leaf, as docs/record-format.md ("What a verifier checks", 2 to 7) says, and
/// folds it into the state it describes: each conversation's messages, reactions, members and files. Knows nothing of
/// the database: the server feeds it rows, <c>parley verify</c> feeds it a bundle. Memory grows with the state, not
/// with the number of leaves.
/// </summary>
public sealed class RecordVerifier(Guid organizationId)
{
    private readonly string _organization = organizationId.ToString();
    private readonly List<byte[]> _stack = [];          // roots of the perfect subtrees covering the leaves so far
    private readonly Dictionary<long, ConversationState> _conversations = [];
    private readonly AuditState _audit = new();

    public long Size { get; private set; }

    /// <summary>
    /// The first leaf number that never came. Checking goes on past it, because a chain that then skips an entry names
    /// better what was removed; the caller reports this only when nothing more precise failed.
    /// </summary>
    public long? FirstMissingLeaf { get; private set; }
    public IReadOnlyDictionary<long, ConversationState> Conversations => _conversations;
    public AuditState Audit => _audit;
    public int LegacyEntries { get; private set; }

    /// <summary>The RFC 9162 root of the leaves added so far.</summary>
    public byte[] Root()
    {
        if (_stack.Count == 0)
            return Rfc9162.EmptyRoot;
        var root = _stack[^1];
        for (var i = _stack.Count - 2; i >= 0; i--)
            root = Rfc9162.NodeHash(_stack[i], root);
        return root;
    }

    /// <summary>Adds leaf <paramref name="leaf"/> with its opening (content and salt, or nulls); returns the first problem it has.</summary>
    public RecordFinding? Add(long leaf, string entry, string? content, string? salt)
    {
        if (leaf < Size)
            return new(leaf, "", null, "leaves are out of order, or one comes twice");
        if (leaf > Size)
        {
            FirstMissingLeaf ??= Size;
            Size = leaf;          // the root no longer means anything; the chains still do
        }
        var leafHash = Rfc9162.LeafHash(Encoding.UTF8.GetBytes(entry));
        if (FirstMissingLeaf is null)
            Push(leafHash);
        else
            Size++;               // past a gap the subtrees do not line up: count the leaf, build no root

        JsonElement e;
        try
        {
            using var doc = JsonDocument.Parse(entry);
            e = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return new(leaf, "", null, "the entry is not JSON");
        }
        try
        {
            return Check(leaf, e, leafHash, content, salt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException or JsonException)
        {
            return new(leaf, "", null, "the entry lacks a field of its format, or has one of the wrong type");
        }
    }

    /// <summary>After the last leaf: every missing content is covered by an erasure entry.</summary>
    public RecordFinding? Finish()
    {
        foreach (var (id, c) in _conversations.OrderBy(c => c.Key))
            foreach (var (index, leaf) in c.MissingContent.OrderBy(m => m.Key))
                if (!c.ErasedIndexes.Contains(index))
                    return new(leaf, $"conversation {id}", index, "its content is missing and no erasure entry says it was erased");
        foreach (var (index, leaf) in _audit.MissingContent.OrderBy(m => m.Key))
            if (!_audit.ErasedIndexes.Contains(index))
                return new(leaf, "audit", index, "its personal data is missing and no erasure event says it was erased");
        return null;
    }

    private void Push(byte[] leafHash)
    {
        // A binary counter of perfect subtrees: merge while the lowest set bits of the new size carry.
        _stack.Add(leafHash);
        Size++;
        for (var size = Size; (size & 1) == 0; size >>= 1)
        {
            var right = _stack[^1];
            var left = _stack[^2];
            _stack.RemoveRange(_stack.Count - 2, 2);
            _stack.Add(Rfc9162.NodeHash(left, right));
        }
    }

    private RecordFinding? Check(long leaf, JsonElement e, byte[] leafHash, string? content, string? salt)
    {
        var version = e.GetProperty("v").GetInt32();
        var type = e.GetProperty("type").GetString();
        if (version is not (1 or 2) || type is not ("conversation" or "audit"))
            return new(leaf, "", null, $"unknown entry version {version} or type {type}");
        if (e.GetProperty("organization").GetString() != _organization)
            return new(leaf, "", null, "the entry belongs to another organization");
        if (version == 1)
            LegacyEntries++;
        return type == "audit" ? CheckAudit(leaf, e, version, leafHash, content, salt) : CheckConversation(leaf, e, version, leafHash, content, salt);
    }

    private RecordFinding? CheckAudit(long leaf, JsonElement e, int version, byte[] leafHash, string? content, string? salt)
    {
        var index = e.GetProperty("index").GetInt64();
        RecordFinding? Fail(string problem) => new(leaf, "audit", index, problem);
        if (index <= _audit.LastIndex)
            return Fail("comes again or out of order");
        if (index != _audit.LastIndex + 1)
            return new(null, "audit", _audit.LastIndex + 1, $"audit event {_audit.LastIndex + 1} is missing");
        if (e.GetProperty("previous").GetString() != _audit.Head)
            return Fail(_audit.LastLeaf is { } before ? $"does not link to the event before it (leaf {before}): one of the two was changed" : "does not link to the event before it");
        string hash;
        if (version == 1)
        {
            var digests = e.GetProperty("digests").EnumerateArray().Select(d => d.GetString()!).ToArray();
            hash = LegacyHash(_organization, Num(e, "index"), Num(e, "action"), e.GetProperty("actor").GetString()!,
                digests[0], digests[1], digests[2], digests[3], Num(e, "at"), _audit.Head);
            if (hash != e.GetProperty("hash").GetString())
                return Fail("its fields do not match its hash");
        }
        else
        {
            hash = Convert.ToHexStringLower(leafHash);
            if (Opening(e, content, salt) is { } problem)
                return Fail(problem);
            if (content is null)
                _audit.MissingContent[index] = leaf;
            if (e.GetProperty("action").GetString() == "personal-data-erased" &&
                e.GetProperty("target").GetProperty("id").GetString() is { } ids)
                foreach (var id in ids.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    _audit.ErasedIndexes.Add(long.Parse(id, CultureInfo.InvariantCulture));
        }
        _audit.LastIndex = index;
        _audit.Head = hash;
        _audit.LastLeaf = leaf;
        return null;
    }

    private RecordFinding? CheckConversation(long leaf, JsonElement e, int version, byte[] leafHash, string? content, string? salt)
    {
        var id = e.GetProperty("conversation").GetInt64();
        var index = e.GetProperty("index").GetInt64();
        var c = _conversations.TryGetValue(id, out var known) ? known : _conversations[id] = new ConversationState(id);
        RecordFinding? Fail(string problem) => new(leaf, $"conversation {id}", index, problem);
        if (index <= c.LastIndex)
            return Fail("comes again or out of order");
        if (index != c.LastIndex + 1)
            return new(null, $"conversation {id}", c.LastIndex + 1, $"entry {c.LastIndex + 1} is missing");
        if (e.GetProperty("previous").GetString() != c.Head)
            return Fail(c.LastLeaf is { } before ? $"does not link to the entry before it (leaf {before}): one of the two was changed" : "does not link to the entry before it");

        string hash;
        if (version == 1)
        {
            hash = LegacyHash(_organization, id.ToString(CultureInfo.InvariantCulture), Num(e, "index"), Num(e, "kind"), Num(e, "message"),
                e.GetProperty("actor").GetString()!, Num(e, "at"), e.GetProperty("commitment").GetString()!, c.Head);
            if (hash != e.GetProperty("hash").GetString())
                return Fail("its fields do not match its hash");
        }
        else
            hash = Convert.ToHexStringLower(leafHash);
        if (Opening(e, content, salt) is { } problem)
            return Fail(problem);
        if (content is null && HasCommitment(e))
            c.MissingContent[index] = leaf;

        var history = version == 1 ? FoldLegacy(c, e, index, content) : Fold(c, e, index, content);
        if (history is not null)
            return Fail(history);
        c.LastIndex = index;
        c.Head = hash;
        c.LastLeaf = leaf;
        return null;
    }

    private static bool HasCommitment(JsonElement e) =>
        e.GetProperty("commitment") is { ValueKind: JsonValueKind.String } commitment && commitment.GetString()!.Length > 0;

    /// <summary>Point 5: an opening matches its commitment, and only an entry with a commitment has one.</summary>
    private static string? Opening(JsonElement e, string? content, string? salt)
    {
        if (!HasCommitment(e))
            return content is null && salt is null ? null : "it has content but no commitment to it";
        if (content is null)
            return salt is null ? null : "its salt is there without its content";
        if (salt is not { Length: 32 } || !salt.All(char.IsAsciiHexDigitLower))
            return "its salt is not 16 bytes of lowercase hex";
        return Commit(Convert.FromHexString(salt), content) == e.GetProperty("commitment").GetString()
            ? null : "its content does not match its commitment";
    }

    public static string Commit(byte[] salt, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var buffer = new byte[salt.Length + bytes.Length];
        salt.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, salt.Length);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    private static string LegacyHash(params string[] fieldsThenPrevious) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"v1|{string.Join('|', fieldsThenPrevious)}")));

    private static string Num(JsonElement e, string name) => e.GetProperty(name).GetInt64().ToString(CultureInfo.InvariantCulture);

    /// <summary>Point 6: the entry makes sense after the ones before it. Returns what does not, or null.</summary>
    private static string? Fold(ConversationState c, JsonElement e, long index, string? content)
    {
        var kind = e.GetProperty("kind").GetString();
        var actor = Guid.Parse(e.GetProperty("actor").GetString()!);
        var at = e.GetProperty("at").GetInt64();
        var data = e.GetProperty("data");
        var seq = e.GetProperty("message") is { ValueKind: JsonValueKind.Number } m ? m.GetInt64() : 0;
        using var opened = content is null ? null : JsonDocument.Parse(content);
        var open = opened?.RootElement;

        if (index == 1)
        {
            if (kind != "conversation-created")
                return "the record does not begin with the conversation's creation";
            c.MembershipKnown = true;
        }
        else if (kind == "conversation-created")
            return "a conversation is created once, at its first entry";

        switch (kind)
        {
            case "conversation-created":
                (c.CreatedBy, c.CreatedAt) = (actor, at);
                c.Kind = data.GetProperty("kind").GetString();
                if (c.Kind is not ("public-channel" or "private-channel" or "direct" or "group"))
                    return $"unknown conversation kind {c.Kind}";
                if (open is { } o)
                    (c.Name, c.Topic, c.NameKnown) = (o.GetProperty("name").GetString(), OptionalString(o, "topic"), true);
                else if (c.IsChannel && !HasCommitment(e))
                    return "a channel is created without a name";
                break;
            case "conversation-renamed" or "topic-changed" or "conversation-archived" or "conversation-unarchived":
                if (!c.IsChannel && c.MembershipKnown)
                    return "only channels have a name, a topic and an archive";
                if (kind == "conversation-renamed")
                    (c.Name, c.NameKnown) = (open?.GetProperty("name").GetString(), open is not null);
                else if (kind == "topic-changed")
                    (c.Topic, c.TopicKnown) = (open is { } t ? OptionalString(t, "topic") : null, open is not null);
                else if (c.Archived == (kind == "conversation-archived"))
                    return c.Archived ? "archives a conversation already archived" : "unarchives a conversation that is not archived";
                else
                    (c.Archived, c.ArchivedAt) = kind == "conversation-archived" ? (true, at) : (false, (long?)null);
                break;
            case "member-added" or "member-joined":
            {
                var user = Guid.Parse(data.GetProperty("user").GetString()!);
                if (kind == "member-joined" && user != actor)
                    return "someone joined in another's name";
                if (c.Members.ContainsKey(user))
                    return "adds someone who is already a member";
                c.Members[user] = data.GetProperty("role").GetString()!;
                c.MemberSince[user] = at;
                break;
            }
            case "member-removed" or "member-left":
            {
                var user = Guid.Parse(data.GetProperty("user").GetString()!);
                if (kind == "member-left" && user != actor)
                    return "someone left in another's name";
                c.MemberSince.Remove(user);
                if (c.MembershipKnown && !c.Members.Remove(user))
                    return "removes someone who is not a member";
                break;
            }
            case "member-role-changed":
            {
                var user = Guid.Parse(data.GetProperty("user").GetString()!);
                if (c.MembershipKnown && (!c.Members.TryGetValue(user, out var role) || role != data.GetProperty("before").GetString()))
                    return "changes the role of someone who is not a member, or not from the role they had";
                c.Members[user] = data.GetProperty("role").GetString()!;
                break;
            }
            case "file-uploaded":
            {
                if (Writer(c, actor) is { } refused)
                    return refused;
                var file = Guid.Parse(data.GetProperty("file").GetString()!);
                if (c.Files.ContainsKey(file))
                    return "uploads a file id twice";
                c.Files[file] = new FileState(file, data.GetProperty("sha256").GetString()!, data.GetProperty("size").GetInt64(),
                    data.GetProperty("type").GetString()!, actor, index, open?.GetProperty("name").GetString(), open is null) { At = at };
                break;
            }
            case "message-posted":
            {
                if (seq != c.LastSeq + 1)
                    return $"posts message {seq} where message {c.LastSeq + 1} comes next";
                if (Writer(c, actor) is { } refused)
                    return refused;
                long? thread = data.GetProperty("thread") is { ValueKind: JsonValueKind.Number } t ? t.GetInt64() : null;
                if (thread is { } root && (!c.Messages.TryGetValue(root, out var rootMessage) || rootMessage.Thread is not null))
                    return "replies in a thread whose root is not an earlier top-level message";
                var files = new List<Guid>();
                foreach (var f in data.GetProperty("files").EnumerateArray())
                {
                    var id = Guid.Parse(f.GetProperty("file").GetString()!);
                    if (!c.Files.TryGetValue(id, out var uploaded) || uploaded.Uploader != actor || uploaded.MessageSeq is not null)
                        return "attaches a file that the sender did not upload here, or that was sent already";
                    if (uploaded.Sha256 != f.GetProperty("sha256").GetString() || uploaded.Size != f.GetProperty("size").GetInt64() ||
                        uploaded.Type != f.GetProperty("type").GetString())
                        return "attaches a file with another hash, size or type than was uploaded";
                    uploaded.MessageSeq = seq;
                    files.Add(id);
                }
                var message = new MessageState(seq, actor, at, thread, index)
                {
                    Files = files,
                    Renderer = data.GetProperty("renderer").GetString(),
                };
                message.Opened(open, index);
                c.Messages[seq] = message;
                c.LastSeq = seq;
                if (thread is { } threadRoot)
                    c.Messages[threadRoot].ReplyAdded(index, at);
                break;
            }
            case "message-edited" or "message-deleted" or "reaction-added" or "reaction-removed" or "message-pinned" or "message-unpinned":
            {
                if (!c.Messages.TryGetValue(seq, out var message))
                    return $"is about message {seq}, which was never posted";
                if (message.DeletedAt is not null)
                    return $"changes message {seq} after it was deleted";
                if (kind == "message-edited")
                {
                    if (actor != message.Sender)
                        return "edits a message someone else sent";
                    if (c.Archived)
                        return "edits a message in an archived conversation";
                    message.Renderer = data.GetProperty("renderer").GetString();
                    message.Opened(open, index);
                    message.EditedAt = at;
                }
                else if (kind == "message-deleted")
                {
                    if (data.GetProperty("bySender").GetBoolean() != (actor == message.Sender))
                        return "says the sender deleted it when someone else did, or the other way round";
                    (message.DeletedAt, message.DeletedBy) = (at, actor);
                    (message.PinnedAt, message.PinnedBy) = (null, null);
                }
                else if (kind is "message-pinned" or "message-unpinned")
                {
                    if (Writer(c, actor) is { } refused)
                        return refused;
                    if ((kind == "message-pinned") == (message.PinnedAt is not null))
                        return kind == "message-pinned" ? $"pins message {seq}, which is pinned already" : $"unpins message {seq}, which is not pinned";
                    (message.PinnedAt, message.PinnedBy) = kind == "message-pinned" ? (at, actor) : ((long?)null, (Guid?)null);
                }
                else
                {
                    if (Writer(c, actor) is { } refused)
                        return refused;
                    var reaction = (actor, data.GetProperty("emoji").GetString()!);
                    if (kind == "reaction-added" ? !message.Reactions.Add(reaction) : !message.Reactions.Remove(reaction))
                        return kind == "reaction-added" ? "adds a reaction that is already there" : "removes a reaction that is not there";
                    message.ReactedAt[reaction] = at;
                }
                message.Position = index;
                break;
            }
            case "content-erased":
                foreach (var erased in data.GetProperty("entries").EnumerateArray())
                {
                    var target = erased.GetInt64();
                    if (target >= index)
                        return "erases an entry that comes after it";
                    c.ErasedIndexes.Add(target);
                }
                break;
            default:
                return $"unknown kind of entry {kind}";
        }
        return null;
    }

    /// <summary>Who may post, upload or react: a member, in a conversation that is not archived.</summary>
    private static string? Writer(ConversationState c, Guid actor) =>
        c.Archived ? "writes in an archived conversation"
        : c.MembershipKnown && !c.Members.ContainsKey(actor) ? "its author was not a member of the conversation then"
        : null;

    /// <summary>Version 1 entries: messages and reactions only; the content is the old message shape.</summary>
    private static string? FoldLegacy(ConversationState c, JsonElement e, long index, string? content)
    {
        var kind = e.GetProperty("kind").GetInt32();
        var actor = Guid.Parse(e.GetProperty("actor").GetString()!);
        var at = e.GetProperty("at").GetInt64();
        var seq = e.GetProperty("message").GetInt64();
        if (c.MembershipKnown)
            return "a version 1 entry comes after version 2 entries";
        switch (kind)
        {
            case 1:
            {
                if (seq != c.LastSeq + 1)
                    return $"posts message {seq} where message {c.LastSeq + 1} comes next";
                using var doc = content is null ? null : JsonDocument.Parse(content);
                long? thread = doc?.RootElement.TryGetProperty("threadRootSeq", out var t) == true && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : null;
                var message = new MessageState(seq, actor, at, thread, index) { Legacy = true, ThreadKnown = doc is not null };
                message.OpenedLegacy(doc?.RootElement);
                c.Messages[seq] = message;
                c.LastSeq = seq;
                if (thread is { } root && c.Messages.TryGetValue(root, out var rootMessage))
                    rootMessage.ReplyAdded(index, at);
                return null;
            }
            case 2 or 3 or 4 or 5:
            {
                if (!c.Messages.TryGetValue(seq, out var message))
                    return $"is about message {seq}, which was never posted";
                if (message.DeletedAt is not null)
                    return $"changes message {seq} after it was deleted";
                if (kind == 2)
                {
                    if (actor != message.Sender)
                        return "edits a message someone else sent";
                    using var doc = content is null ? null : JsonDocument.Parse(content);
                    message.OpenedLegacy(doc?.RootElement);
                    message.EditedAt = at;
                }
                else if (kind == 3)
                    (message.DeletedAt, message.DeletedBy) = (at, actor);
                else if (content is not null && (kind == 4 ? !message.Reactions.Add((actor, content)) : !message.Reactions.Remove((actor, content))))
                    return kind == 4 ? "adds a reaction that is already there" : "removes a reaction that is not there";
                else if (content is null)
                    message.ReactionsKnown = false;
                message.Position = index;
                return null;
            }
            default:
                return $"unknown kind of version 1 entry {kind}";
        }
    }

    private static string? OptionalString(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>One conversation as its record describes it, after the leaves seen so far.</summary>
public sealed class ConversationState(long id)
{
    public long Id { get; } = id;
    public long LastIndex { get; set; }
    public string Head { get; set; } = "";
    public long? LastLeaf { get; set; }
    public long LastSeq { get; set; }
    public string? Kind { get; set; }
    public bool IsChannel => Kind is "public-channel" or "private-channel";

    /// <summary>False for conversations whose record began before membership was recorded (version 1).</summary>
    public bool MembershipKnown { get; set; }
    public Dictionary<Guid, string> Members { get; } = [];

    /// <summary>When each member joined or was added, in milliseconds: the entry's time.</summary>
    public Dictionary<Guid, long> MemberSince { get; } = [];
    public long? ArchivedAt { get; set; }
    public string? Name { get; set; }
    public bool NameKnown { get; set; }
    public string? Topic { get; set; }
    public bool TopicKnown { get; set; } = true;
    public bool Archived { get; set; }

    /// <summary>Who created it and when, from its <c>conversation-created</c> entry; null before membership was recorded.</summary>
    public Guid? CreatedBy { get; set; }
    public long? CreatedAt { get; set; }
    public Dictionary<long, MessageState> Messages { get; } = [];
    public Dictionary<Guid, FileState> Files { get; } = [];
    internal Dictionary<long, long> MissingContent { get; } = [];    // entry index → leaf
    internal HashSet<long> ErasedIndexes { get; } = [];
}

public sealed class MessageState(long seq, Guid sender, long at, long? thread, long postedIndex)
{
    public long Seq { get; } = seq;
    public Guid Sender { get; } = sender;
    public long At { get; } = at;
    public long? Thread { get; } = thread;
    public bool ThreadKnown { get; init; } = true;
    public long PostedIndex { get; } = postedIndex;
    public bool Legacy { get; init; }

    /// <summary>The latest version's text and HTML; null when erased (or, for version 1, HTML never recorded).</summary>
    public string? Text { get; private set; }
    public string? Html { get; private set; }
    public bool ContentErased { get; private set; }
    public string? Renderer { get; set; }
    public long? EditedAt { get; set; }
    public long? DeletedAt { get; set; }
    public Guid? DeletedBy { get; set; }
    public long? PinnedAt { get; set; }
    public Guid? PinnedBy { get; set; }
    public long Position { get; set; } = postedIndex;
    public int ReplyCount { get; private set; }
    public long? LastReplyAt { get; private set; }
    public IReadOnlyList<Guid> Files { get; init; } = [];
    public HashSet<(Guid User, string Emoji)> Reactions { get; } = [];

    /// <summary>When each reaction now there was added (version 2 entries).</summary>
    public Dictionary<(Guid User, string Emoji), long> ReactedAt { get; } = [];
    public bool ReactionsKnown { get; set; } = true;

    internal void Opened(JsonElement? content, long index)
    {
        Position = index;
        (Text, Html, ContentErased) = content is { } c ? (c.GetProperty("text").GetString(), c.GetProperty("html").GetString(), false) : ((string?)null, (string?)null, true);
    }

    internal void OpenedLegacy(JsonElement? content) =>
        (Text, Html, ContentErased) = content is { } c ? (c.GetProperty("text").GetString(), (string?)null, false) : ((string?)null, (string?)null, true);

    internal void ReplyAdded(long index, long at)
    {
        ReplyCount++;
        LastReplyAt = at;
        Position = index;
    }
}

public sealed class FileState(Guid id, string sha256, long size, string type, Guid uploader, long uploadIndex, string? name, bool erased)
{
    public Guid Id { get; } = id;
    public string Sha256 { get; } = sha256;
    public long Size { get; } = size;
    public string Type { get; } = type;
    public Guid Uploader { get; } = uploader;
    public long UploadIndex { get; } = uploadIndex;
    public string? Name { get; } = name;
    public bool Erased { get; } = erased;
    public long? MessageSeq { get; set; }

    /// <summary>When it was uploaded.</summary>
    public long At { get; init; }
}

public sealed class AuditState
{
    public long LastIndex { get; set; }
    public string Head { get; set; } = "";
    public long? LastLeaf { get; set; }
    internal Dictionary<long, long> MissingContent { get; } = [];
    internal HashSet<long> ErasedIndexes { get; } = [];
}
