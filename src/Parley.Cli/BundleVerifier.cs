using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Server.Features.Records.Log;

namespace Parley.Cli;

/// <summary>What <c>parley verify</c> found: a summary when everything checks out, else the one <c>FAIL …</c> line of the first failure.</summary>
public sealed record Verdict(bool Ok, string Text);

/// <summary>
/// Checks an export bundle against keys the user trusts, as docs/record-format.md ("What a verifier checks", 1 to 8) says,
/// and stops at the first failure. Leaves are read one line at a time and folded by <see cref="RecordVerifier"/>, so memory
/// grows with the state the record describes, not with its length. Throws <see cref="BundleUnreadableException"/> when the
/// bundle cannot be read at all, and <see cref="ArgumentException"/> for a malformed trusted key.
/// </summary>
public sealed class BundleVerifier
{
    private readonly Bundle _bundle;
    private readonly IReadOnlyList<string> _keys;
    private Guid _organization;
    private Checkpoint _checkpoint = null!;
    private string _signedBy = "";
    private bool _partial;
    private long _leaves, _files, _checkpoints, _unknownSigners;
    private RecordVerifier _record = null!;

    private BundleVerifier(Bundle bundle, IReadOnlyList<string> keys) => (_bundle, _keys) = (bundle, keys);

    /// <summary>Verifies the bundle at <paramref name="path"/> (a folder or a .zip) with the trusted verifier keys.</summary>
    public static Verdict Verify(string path, IEnumerable<string> trustedKeys)
    {
        var keys = trustedKeys.Select(k => k.Trim()).Where(k => k.Length > 0).ToList();
        if (keys.Count == 0)
            throw new ArgumentException("Give at least one trusted verifier key.", nameof(trustedKeys));
        foreach (var key in keys)
            if (!NoteVerifier.TryParseVerifierKey(key, out _, out _, out _))
                throw new ArgumentException($"Not a verifier key (name+hex8+base64): {key}", nameof(trustedKeys));
        using var bundle = Bundle.At(path);
        try
        {
            return new BundleVerifier(bundle, keys).Run();
        }
        catch (Failure f)
        {
            return new Verdict(false, $"FAIL {f.Item}: {f.Message}");
        }
    }

    /// <summary>A failed check: <see cref="Item"/> is <c>leaf 7 (conversation 3, entry 2)</c>, <c>checkpoint</c> or <c>file &lt;sha256&gt;</c>.</summary>
    private sealed class Failure(string item, string problem) : Exception(problem)
    {
        public string Item { get; } = item;
    }

    private Verdict Run()
    {
        CheckCheckpoint();
        ReadLeaves();
        CheckFiles();
        CheckEarlierCheckpoints();
        var (item, manifest) = ExportManifest.Check(_bundle, _keys, _checkpoint.Origin);
        if (item is not null)
            throw new Failure(item, manifest);
        return new Verdict(true, manifest.Length > 0 ? $"{Summary()}\n{manifest}" : Summary());
    }

    /// <summary>Point 1: the checkpoint verifies with a trusted key and is the one bundle.json names.</summary>
    private void CheckCheckpoint()
    {
        using var manifest = JsonOf("bundle.json");
        var m = manifest.RootElement;
        if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
            || format.GetString() != "parley-record-bundle/1")
            throw new BundleUnreadableException("bundle.json does not say \"format\": \"parley-record-bundle/1\"");
        if (!m.TryGetProperty("organization", out var org) || org.ValueKind != JsonValueKind.String || !Guid.TryParseExact(org.GetString(), "D", out _organization)
            || !m.TryGetProperty("origin", out var origin) || origin.ValueKind != JsonValueKind.String
            || !m.TryGetProperty("size", out var size) || !size.TryGetInt64(out var n))
            throw new BundleUnreadableException("bundle.json lacks its organization, origin or size");

        var note = TextOf("checkpoint.note");
        var check = NoteVerifier.Verify(note, _keys);
        if (!check.Valid)
            throw new Failure("checkpoint", check.Problem == NoteVerifier.NoKnownSignature
                ? $"not signed by a trusted key (signed by: {string.Join(", ", Signers(note))})"
                : $"checkpoint.note: {check.Problem}");
        if (!Checkpoint.TryParse(check.Body!, out var parsed) || parsed is null)
            throw new Failure("checkpoint", "checkpoint.note is not a checkpoint (origin, size, root)");
        if (parsed.Origin != origin.GetString() || parsed.Size != n)
            throw new Failure("checkpoint", $"origin {parsed.Origin} and size {parsed.Size} do not match bundle.json's {origin.GetString()} and {n}");
        if (!parsed.Origin.EndsWith("/" + _organization, StringComparison.Ordinal))
            throw new Failure("checkpoint", $"origin {parsed.Origin} is not the log of organization {_organization}");
        var trusted = _keys.Select(k => string.Join('+', k.Split('+', 3)[..2])).ToHashSet(StringComparer.Ordinal);
        (_checkpoint, _signedBy) = (parsed, Signers(note).FirstOrDefault(trusted.Contains) ?? check.SignedBy!);
        _record = new RecordVerifier(_organization);
    }

    /// <summary>Points 2 to 6: every leaf, in order, with its opening; then the root (or each inclusion proof).</summary>
    private void ReadLeaves()
    {
        using var reader = ReaderOf("leaves.jsonl") ?? throw new BundleUnreadableException("the bundle has no leaves.jsonl");
        var line = 0;
        var next = 0L;              // the leaf the next line should hold, for naming a line that does not parse
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
                continue;
            var (leaf, entry, content, salt, proof) = ParseLeaf(text, line, next);
            if (_leaves == 0)
                _partial = proof is not null;
            else if (_partial != proof is not null)
                throw new Failure($"leaf {leaf}", "some lines have an inclusion proof and others not");
            if (leaf >= _checkpoint.Size)
                throw new Failure($"leaf {leaf}", $"beyond the checkpoint's size {_checkpoint.Size} (line {line})");
            _leaves++;
            next = leaf + 1;
            if (_partial)
                CheckPartialLeaf(leaf, entry, content, salt, proof!);
            if (_record.Add(leaf, entry, content, salt) is { } finding)
                throw Fail(finding, leaf);
        }
        if (_record.Finish() is { } unopened)
            throw Fail(unopened, _record.Size);
        if (_partial)
            return;
        var missing = _record.FirstMissingLeaf ?? (_record.Size < _checkpoint.Size ? _record.Size : null);
        if (missing is { } gap)
            throw new Failure($"leaf {gap}", $"missing from leaves.jsonl (the checkpoint has {_checkpoint.Size} leaves)");
        if (!_record.Root().AsSpan().SequenceEqual(_checkpoint.Root))
            throw new Failure("checkpoint", $"the root computed from the leaves, {Hex(_record.Root())}, differs from the checkpoint's {Hex(_checkpoint.Root)}");
    }

    /// <summary>A finding as one line; one about an entry missing from a chain names the leaf where it went missing.</summary>
    private Failure Fail(RecordFinding finding, long current)
    {
        // In a partial bundle leaves are skipped on purpose: an entry missing from a chain is named where the chain breaks.
        var leaf = finding.Leaf ?? (_partial ? current : _record.FirstMissingLeaf ?? current);
        var item = new RecordFinding(leaf, finding.Chain, finding.Index, "").ToString();
        return new Failure(item[..item.LastIndexOf(':')], finding.Problem);
    }

    private (long Leaf, string Entry, string? Content, string? Salt, List<byte[]>? Proof) ParseLeaf(string text, int line, long expected)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var e = doc.RootElement;
            var leaf = e.GetProperty("leaf").GetInt64();
            var entry = e.GetProperty("entry").GetString() ?? throw new FormatException("entry is null");
            List<byte[]>? proof = e.TryGetProperty("proof", out var p) ? [.. p.EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))] : null;
            if (leaf < 0 || proof?.Any(h => h.Length != Rfc9162.HashSize) == true)
                throw new FormatException("a leaf number below 0, or a proof hash that is not 32 bytes");
            return (leaf, entry, OptionalString(e, "content"), OptionalString(e, "salt"), proof);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new Failure($"leaf {expected}", $"line {line} of leaves.jsonl does not parse ({ex.Message})");
        }
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetString() : null;

    /// <summary>
    /// Part of a log: each leaf is proven in the checkpoint's tree, and its opening matches its commitment; the chains it
    /// holds, whole from their first entry, are then checked as in a full bundle.
    /// </summary>
    private void CheckPartialLeaf(long leaf, string entry, string? content, string? salt, List<byte[]> proof)
    {
        var hash = Rfc9162.LeafHash(Encoding.UTF8.GetBytes(entry));
        if (!Rfc9162.VerifyInclusion(leaf, _checkpoint.Size, hash, proof, _checkpoint.Root))
            throw new Failure($"leaf {leaf}", "its inclusion proof does not verify against the checkpoint");
        string? commitment;
        try
        {
            using var doc = JsonDocument.Parse(entry);
            commitment = doc.RootElement.TryGetProperty("commitment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        catch (JsonException)
        {
            throw new Failure($"leaf {leaf}", "the entry is not JSON");
        }
        if (content is null && salt is null)
            return;
        if (string.IsNullOrEmpty(commitment) || content is null || salt is not { Length: 32 } || !salt.All(char.IsAsciiHexDigitLower)
            || RecordVerifier.Commit(Convert.FromHexString(salt), content) != commitment)
            throw new Failure($"leaf {leaf}", "its opening does not match its commitment");
    }

    /// <summary>Point 7: the bytes of every file whose upload is not erased are in the bundle, whole.</summary>
    private void CheckFiles()
    {
        var checkedHashes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in _record.Conversations.Values.OrderBy(c => c.Id))
            foreach (var f in c.Files.Values.Where(f => !f.Erased).OrderBy(f => f.UploadIndex))
            {
                var where = $"conversation {c.Id}, entry {f.UploadIndex}";
                if (f.Sha256.Length != 64 || !f.Sha256.All(char.IsAsciiHexDigitLower))
                    throw new Failure($"file {f.Sha256}", $"{where} names a file by something that is not a SHA-256");
                if (checkedHashes.TryGetValue(f.Sha256, out var size) && size == f.Size)
                    continue;
                using var stream = _bundle.Open($"files/{f.Sha256}")
                    ?? throw new Failure($"file {f.Sha256}", $"absent, but {where} uploaded it and its upload is not erased");
                var (found, digest) = Measure(stream);
                if (found != f.Size)
                    throw new Failure($"file {f.Sha256}", $"{found} bytes, {where} says {f.Size}");
                if (digest != f.Sha256)
                    throw new Failure($"file {f.Sha256}", $"its bytes hash to {digest}");
                checkedHashes[f.Sha256] = f.Size;
            }
        _files = checkedHashes.Count;
    }

    /// <summary>A stream's length and SHA-256 (hex), read once.</summary>
    internal static (long Size, string Sha256) Measure(Stream stream)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            size += read;
            sha.AppendData(buffer, 0, read);
        }
        return (size, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>Point 8: every earlier checkpoint is a prefix of this one; one signed only by unknown keys is counted, not failed.</summary>
    private void CheckEarlierCheckpoints()
    {
        using var reader = ReaderOf("checkpoints.jsonl");
        if (reader is null)
            return;
        var line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
                continue;
            var where = $"checkpoints.jsonl line {line}";
            string note;
            List<byte[]> proof;
            try
            {
                using var doc = JsonDocument.Parse(text);
                note = doc.RootElement.GetProperty("note").GetString()!;
                proof = [.. doc.RootElement.GetProperty("proof").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))];
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new Failure("checkpoint", $"{where} does not parse ({ex.Message})");
            }
            var check = NoteVerifier.Verify(note, _keys);
            if (!check.Valid && check.Problem != NoteVerifier.NoKnownSignature)
                throw new Failure("checkpoint", $"{where}: {check.Problem}");
            var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
            if (split < 0 || !Checkpoint.TryParse(note[..(split + 1)], out var earlier) || earlier is null)
                throw new Failure("checkpoint", $"{where}: not a checkpoint");
            if (earlier.Origin != _checkpoint.Origin)
                throw new Failure("checkpoint", $"{where}: origin {earlier.Origin} is another log");
            if (earlier.Size > _checkpoint.Size || !Rfc9162.VerifyConsistency(earlier.Size, _checkpoint.Size, earlier.Root, _checkpoint.Root, proof))
                throw new Failure("checkpoint", $"{where}: the consistency proof from size {earlier.Size} to {_checkpoint.Size} does not verify");
            if (!check.Valid)
                _unknownSigners++;
            _checkpoints++;
        }
    }

    private string Summary()
    {
        var lines = new List<string>
        {
            $"OK organization {_organization}, log {_checkpoint.Origin}",
            $"tree size {_checkpoint.Size}, root {Hex(_checkpoint.Root)}, signed by {_signedBy}",
        };
        var conversations = _record.Conversations.Values.ToList();
        lines.Add($"{(_partial ? "partial bundle, each leaf proven in the tree: " : "")}{_leaves} leaves checked: {conversations.Count} conversations, " +
            $"{conversations.Sum(c => c.LastIndex)} conversation entries, {_record.Audit.LastIndex} audit events, {conversations.Sum(c => c.Messages.Count)} messages, " +
            $"{_record.LegacyEntries} version 1 entries");
        lines.Add($"{_files} files checked");
        if (_partial)
            lines.Add("not in this partial bundle: the organization's other conversations and its audit log");
        lines.Add($"{_checkpoints} earlier checkpoints consistent" + (_unknownSigners > 0 ? $" ({_unknownSigners} signed by unknown keys only)" : ""));
        lines.Add("not checked: HTML re-rendered from Markdown (checked against its commitment only)");
        return string.Join('\n', lines);
    }

    private JsonDocument JsonOf(string name)
    {
        try
        {
            return JsonDocument.Parse(TextOf(name));
        }
        catch (JsonException e)
        {
            throw new BundleUnreadableException($"{name} is not JSON ({e.Message})", e);
        }
    }

    private string TextOf(string name)
    {
        using var reader = ReaderOf(name) ?? throw new BundleUnreadableException($"the bundle has no {name}");
        return reader.ReadToEnd();
    }

    private StreamReader? ReaderOf(string name) =>
        _bundle.Open(name) is { } stream ? new StreamReader(stream, Encoding.UTF8) : null;

    /// <summary>The keys on a note's signature lines (<c>name+hex8</c>), to say who signed a checkpoint no trusted key did.</summary>
    private static IEnumerable<string> Signers(string note) =>
        note.Split('\n').Where(l => l.StartsWith("\u2014 ", StringComparison.Ordinal)).Select(l => l[2..].Split(' ')).Select(parts =>
        {
            try
            {
                var blob = parts.Length == 2 ? Convert.FromBase64String(parts[1]) : [];
                return blob.Length >= 4 ? $"{parts[0]}+{Convert.ToHexStringLower(blob.AsSpan(0, 4))}" : parts[0];
            }
            catch (FormatException)
            {
                return parts[0];
            }
        }).DefaultIfEmpty("nobody");

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
