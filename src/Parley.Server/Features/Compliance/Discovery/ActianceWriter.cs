using System.Globalization;
using System.Text;
using System.Xml;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>
/// Writes an export's items as Actiance XML, the format Smarsh / Actiance Vantage ingest (docs/compliance.md, "Actiance XML";
/// schema docs/schemas/actiance.xsd). Messages must come conversation by conversation, in id order within each: a
/// <c>Conversation</c> element opens at the first message of a conversation and closes when the next conversation begins,
/// so the document streams out as the messages are read and is never held in memory, however many there are.
/// </summary>
internal sealed class ActianceWriter : IAsyncDisposable
{
    public const string Path = "items/actiance.xml";
    private const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    private readonly XmlWriter _xml;
    private readonly IReadOnlySet<string> _bundledFiles;

    /// <summary>Who the conversation being written shows present, in the order they were first seen.</summary>
    private readonly List<DiscoveryPerson> _present = [];
    private long? _conversationId;
    private DateTimeOffset _end;
    private bool _started;

    /// <param name="output">The item's stream; left open.</param>
    /// <param name="bundledFiles">The SHA-256 of each file whose bytes the archive holds under <c>files/</c>.</param>
    public ActianceWriter(Stream output, IReadOnlySet<string> bundledFiles)
    {
        _xml = XmlWriter.Create(output, new XmlWriterSettings
        {
            Async = true,
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            CloseOutput = false,
            // A carriage return in a message is written &#xD; and read back as itself; the default would make it a line feed.
            NewLineHandling = NewLineHandling.Entitize,
        });
        _bundledFiles = bundledFiles;
    }

    public async Task WriteAsync(DiscoveredMessage m)
    {
        await StartAsync();
        if (m.ConversationId != _conversationId)
        {
            await EndConversationAsync();
            await StartConversationAsync(m);
        }
        await MembershipAsync(m);

        // Every version, as the Mattermost export writes edits: the texts an edit replaced are EditedOriginalMsg, stamped with
        // the edit that replaced them; the last text is EditedNewMsg, stamped with its own edit. A deletion is one more element.
        var versions = m.Versions.Count > 0 ? m.Versions : [new DiscoveryVersion(0, "posted", m.SentAt, null, false)];
        for (var i = 0; i < versions.Count; i++)
        {
            (string? Type, DateTimeOffset? At) update = versions.Count == 1 ? (null, null)
                : i < versions.Count - 1 ? ("EditedOriginalMsg", versions[i + 1].At)
                : ("EditedNewMsg", versions[i].At);
            await MessageAsync(m, update.Type, update.At, versions[i]);
            if (i == 0)
                foreach (var file in m.Files)
                    await FileAsync(m, file);
        }
        if (m.DeletedAt is { } deleted)
            await MessageAsync(m, "Deleted", deleted, versions[^1]);
    }

    /// <summary>Ends the document; one with no message is an empty <c>FileDump</c>.</summary>
    public async Task FinishAsync()
    {
        await StartAsync();
        await EndConversationAsync();
        await _xml.WriteEndElementAsync();
        await _xml.WriteEndDocumentAsync();
        await _xml.FlushAsync();
    }

    public ValueTask DisposeAsync() => _xml.DisposeAsync();

    /// <summary>
    /// The text with each character XML 1.0 forbids (controls other than tab, line feed and carriage return, U+FFFE, U+FFFF,
    /// a lone surrogate) replaced by U+FFFD, as Go's encoding/xml does: the document stays well-formed, and the record bundle
    /// beside it keeps the exact text.
    /// </summary>
    internal static string Clean(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (XmlConvert.IsXmlChar(c))
                clean?.Append(c);
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean?.Append(c).Append(text[i + 1]);
                i++;
            }
            else
                (clean ??= new StringBuilder(text.Length).Append(text, 0, i)).Append('\uFFFD');
        }
        return clean?.ToString() ?? text;
    }

    private async Task StartAsync()
    {
        if (_started)
            return;
        _started = true;
        await _xml.WriteStartDocumentAsync();
        await _xml.WriteStartElementAsync(null, "FileDump", null);
        await _xml.WriteAttributeStringAsync("xmlns", "xsi", null, Xsi);
    }

    private async Task StartConversationAsync(DiscoveredMessage m)
    {
        (_conversationId, _end) = (m.ConversationId, m.SentAt);
        await _xml.WriteStartElementAsync(null, "Conversation", null);
        await _xml.WriteAttributeStringAsync(null, "Perspective", null,
            Clean(m.ConversationName is { Length: > 0 } name ? name : $"{m.ConversationKind} conversation {m.ConversationId}"));
        await TextAsync("RoomID", $"{m.ConversationKind} - {m.ConversationId}");
        await TimeAsync("StartTimeUTC", m.SentAt);
    }

    private async Task EndConversationAsync()
    {
        if (_conversationId is null)
            return;
        foreach (var person in _present)
            await ParticipantAsync("ParticipantLeft", person, _end);
        _present.Clear();
        await TimeAsync("EndTimeUTC", _end);
        await _xml.WriteEndElementAsync();
        _conversationId = null;
    }

    /// <summary>
    /// Who left and who entered since the previous message, by the members at the time of this one; both stamped with this
    /// message's time, by which the change had happened (the record entry of the change itself is in the bundle).
    /// </summary>
    private async Task MembershipAsync(DiscoveredMessage m)
    {
        var now = m.MembersAtTime.Select(p => p.Id).ToHashSet();
        foreach (var gone in _present.Where(p => !now.Contains(p.Id)).ToList())
        {
            await ParticipantAsync("ParticipantLeft", gone, m.SentAt);
            _present.Remove(gone);
        }
        var known = _present.Select(p => p.Id).ToHashSet();
        foreach (var person in m.MembersAtTime.Where(p => known.Add(p.Id)))
        {
            await ParticipantAsync("ParticipantEntered", person, m.SentAt);
            _present.Add(person);
        }
    }

    private async Task ParticipantAsync(string element, DiscoveryPerson person, DateTimeOffset at)
    {
        await _xml.WriteStartElementAsync(null, element, null);
        await TextAsync("LoginName", LoginOf(person));
        await TextAsync("UserType", "user");
        await TimeAsync("DateTimeUTC", at);
        await TextAsync("CorporateEmailID", person.Email);
        await _xml.WriteEndElementAsync();
    }

    private async Task MessageAsync(DiscoveredMessage m, string? updatedType, DateTimeOffset? updatedAt, DiscoveryVersion version)
    {
        await _xml.WriteStartElementAsync(null, "Message", null);
        await TextAsync("MessageId", m.Id.ToString(CultureInfo.InvariantCulture));
        await TextAsync("LoginName", LoginOf(m.Sender));
        await TextAsync("UserType", "user");
        await TimeAsync("DateTimeUTC", m.SentAt);
        if (updatedType is not null && updatedAt is { } at)
        {
            await TextAsync("UpdatedType", updatedType);
            await TimeAsync("UpdatedDateTimeUTC", at);
            _end = at > _end ? at : _end;
        }
        await TextAsync("Content", version.Text ?? "[erased]");
        if (m.ThreadRootId is { } root)
            await TextAsync("ThreadRootMessageId", root.ToString(CultureInfo.InvariantCulture));
        await _xml.WriteEndElementAsync();
        _end = m.SentAt > _end ? m.SentAt : _end;
    }

    /// <summary>A file sent with a message: its bytes are <c>files/&lt;sha256&gt;</c> in the archive, unless erased or missing (Failed).</summary>
    private async Task FileAsync(DiscoveredMessage m, DiscoveryFile file)
    {
        foreach (var element in new[] { "FileTransferStarted", "FileTransferEnded" })
        {
            await _xml.WriteStartElementAsync(null, element, null);
            await TextAsync("LoginName", LoginOf(m.Sender));
            await TimeAsync("DateTimeUTC", m.SentAt);
            await TextAsync("UserFileName", file.Name.Length > 0 ? file.Name : "[erased]");
            await TextAsync("FileName", $"files/{file.Sha256}");
            if (element == "FileTransferEnded")
                await TextAsync("Status", _bundledFiles.Contains(file.Sha256) ? "Completed" : "Failed");
            await _xml.WriteEndElementAsync();
        }
    }

    /// <summary>The person's email, as Actiance logins are; their id when the directory no longer has them.</summary>
    private static string LoginOf(DiscoveryPerson person) => person.Email.Length > 0 ? person.Email : person.Id.ToString();

    private Task TextAsync(string element, string text) => _xml.WriteElementStringAsync(null, element, null, Clean(text));

    /// <summary>Milliseconds since the Unix epoch, UTC, as Mattermost's published sample export has them.</summary>
    private Task TimeAsync(string element, DateTimeOffset at) =>
        _xml.WriteElementStringAsync(null, element, null, at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
}
