using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MimeKit;
using Parley.Server.Features.Files;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>One file of an export's items, as its manifest names it.</summary>
public sealed record ManifestItem(string Path, string Sha256, long Size);

/// <summary>
/// Writes the messages of an export into its archive under <c>items/</c>, in the chosen format, hashing each file as it
/// goes: JSON Lines (<c>items/messages.jsonl</c>, one message per line), CSV (<c>items/messages.csv</c>, one row per
/// version of each message), EML (<c>items/eml/&lt;conversation&gt;-&lt;seq&gt;.eml</c>, one message per file) or Actiance XML
/// (<c>items/actiance.xml</c>, one <c>Conversation</c> element per conversation; see <see cref="ActianceWriter"/>).
/// </summary>
/// <param name="bundledFiles">The SHA-256 of each file the archive's record bundle holds under <c>files/</c>.</param>
internal sealed class ExportItems(ZipArchive zip, ExportFormat format, FileStore files, Guid organizationId, IReadOnlySet<string> bundledFiles)
    : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] CsvColumns =
    [
        "message_id", "conversation_id", "conversation", "seq", "sent_at", "sender_id", "sender_name", "sender_email", "thread_root_id",
        "version", "version_kind", "version_at", "text", "erased", "deleted_at", "deleted_by", "files", "members_at_time",
    ];

    private readonly List<ManifestItem> _items = [];
    private HashingStream? _stream;
    private ActianceWriter? _actiance;
    private string _path = "";

    public IReadOnlyList<ManifestItem> Items => _items;

    public async Task WriteAsync(DiscoveredMessage message, CancellationToken ct)
    {
        switch (format)
        {
            case ExportFormat.Jsonl:
                await OpenAsync("items/messages.jsonl", null, ct);
                await AppendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message, Json) + "\n"), ct);
                break;
            case ExportFormat.Csv:
                await OpenAsync("items/messages.csv", Row(CsvColumns), ct);
                foreach (var row in CsvRows(message))
                    await AppendAsync(Encoding.UTF8.GetBytes(Row(row)), ct);
                break;
            case ExportFormat.Actiance:
                await OpenAsync(ActianceWriter.Path, null, ct);
                _actiance ??= new ActianceWriter(_stream!, bundledFiles);
                await _actiance.WriteAsync(message);
                break;
            default:
                using (var eml = new MemoryStream())
                {
                    await Eml(message).WriteToAsync(eml, ct);
                    var path = $"items/eml/{message.ConversationId}-{message.Seq}.eml";
                    await OpenAsync(path, null, ct);
                    await AppendAsync(eml.ToArray(), ct);
                    await CloseAsync();
                }
                break;
        }
    }

    /// <summary>Closes the last file; an export with no messages still has its (empty, header-only or empty-FileDump) file for JSONL, CSV and Actiance.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        if (format == ExportFormat.Jsonl)
            await OpenAsync("items/messages.jsonl", null, ct);
        else if (format == ExportFormat.Csv)
            await OpenAsync("items/messages.csv", Row(CsvColumns), ct);
        else if (format == ExportFormat.Actiance)
        {
            await OpenAsync(ActianceWriter.Path, null, ct);
            _actiance ??= new ActianceWriter(_stream!, bundledFiles);
            await _actiance.FinishAsync();
            await _actiance.DisposeAsync();
            _actiance = null;
        }
        await CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_actiance is not null)
            await _actiance.DisposeAsync();
        if (_stream is not null)
            await _stream.DisposeAsync();
    }

    private async Task OpenAsync(string path, string? header, CancellationToken ct)
    {
        if (_stream is not null && _path == path)
            return;
        await CloseAsync();
        _path = path;
        _stream = new HashingStream(await zip.CreateEntry(path, CompressionLevel.Fastest).OpenAsync(ct));
        if (header is not null)
            await AppendAsync(Encoding.UTF8.GetBytes(header), ct);
    }

    private async Task AppendAsync(byte[] bytes, CancellationToken ct) => await _stream!.WriteAsync(bytes, ct);

    private async Task CloseAsync()
    {
        if (_stream is null)
            return;
        _items.Add(new ManifestItem(_path, _stream.Sha256(), _stream.Length));
        await _stream.DisposeAsync();
        _stream = null;
    }

    private static IEnumerable<string?[]> CsvRows(DiscoveredMessage m)
    {
        var files = string.Join("; ", m.Files.Select(f => $"{f.Name} ({f.Sha256})"));
        var members = string.Join("; ", m.MembersAtTime.Select(p => p.Email.Length > 0 ? p.Email : p.Id.ToString()));
        var versions = m.Versions.Count > 0 ? m.Versions : [new DiscoveryVersion(0, "posted", m.SentAt, null, false)];
        return versions.Select((v, i) => new[]
        {
            Num(m.Id), Num(m.ConversationId), m.ConversationName, Num(m.Seq), Time(m.SentAt), m.Sender.Id.ToString(), m.Sender.Name,
            m.Sender.Email, m.ThreadRootId is { } root ? Num(root) : null, Num(i + 1), v.Kind, Time(v.At), v.Text, v.Erased ? "true" : "false",
            m.DeletedAt is { } d ? Time(d) : null, m.DeletedBy?.ToString(), files, members,
        });
    }

    /// <summary>One CSV record (RFC 4180), each cell neutralised so that a spreadsheet shows it and never runs it.</summary>
    public static string Row(IEnumerable<string?> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    /// <summary>
    /// A cell a spreadsheet may open: one starting with = + - @, a tab or a carriage return is a formula to Excel, LibreOffice
    /// and Sheets, so it gets a leading apostrophe (OWASP's advice); then quotes where RFC 4180 needs them.
    /// </summary>
    public static string Cell(string? value)
    {
        var text = value ?? "";
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 || text != text.Trim() ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }

    private MimeMessage Eml(DiscoveredMessage m)
    {
        var message = new MimeMessage
        {
            Date = m.SentAt,
            MessageId = MessageIdOf(m.Id),
            Subject = m.ConversationName is { Length: > 0 } name ? $"#{name}" : $"{m.ConversationKind} conversation {m.ConversationId}",
        };
        message.From.Add(Mailbox(m.Sender));
        message.To.AddRange(m.MembersAtTime.Select(Mailbox));
        if (m.ThreadRootId is { } root)
        {
            message.InReplyTo = MessageIdOf(root);
            message.References.Add(MessageIdOf(root));
        }
        message.Headers.Add("X-Parley-Conversation", m.ConversationId.ToString(CultureInfo.InvariantCulture));
        message.Headers.Add("X-Parley-Seq", m.Seq.ToString(CultureInfo.InvariantCulture));
        if (m.DeletedAt is { } deleted)
            message.Headers.Add("X-Parley-Deleted", $"{Time(deleted)} by {m.DeletedBy}");

        var body = new BodyBuilder { TextBody = Text(m) };
        foreach (var file in m.Files)
        {
            Stream content;
            try
            {
                content = files.OpenRead(organizationId, file.Sha256);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;                               // erased, or missing from the store: the record bundle says which
            }
            using (content)
                body.Attachments.Add(file.Name.Length > 0 ? file.Name : file.Sha256, content,
                    ContentType.TryParse(file.ContentType, out var type) ? type : new ContentType("application", "octet-stream"));
        }
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>The last version of the text, then, when there were others or a deletion, the whole history.</summary>
    private static string Text(DiscoveredMessage m)
    {
        var text = new StringBuilder(m.Versions.LastOrDefault() is { } last ? last.Text ?? "[erased]" : "");
        if (m.Versions.Count > 1 || m.DeletedAt is not null)
        {
            text.Append("\n\n-- History (from the record) --\n");
            foreach (var v in m.Versions)
                text.Append(CultureInfo.InvariantCulture, $"[{v.Kind} {Time(v.At)}] {v.Text ?? "[erased]"}\n");
            if (m.DeletedAt is { } deleted)
                text.Append(CultureInfo.InvariantCulture, $"[deleted {Time(deleted)} by {m.DeletedBy}]\n");
        }
        return text.ToString();
    }

    private MailboxAddress Mailbox(DiscoveryPerson p) =>
        new(p.Name, p.Email.Length > 0 ? p.Email : $"{p.Id}@{organizationId}.invalid");

    private string MessageIdOf(long messageId) => $"message-{messageId}@{organizationId}.parley";

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
