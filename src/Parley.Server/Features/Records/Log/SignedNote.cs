using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Parley.Server.Features.Records.Log;

/// <summary>
/// Signs C2SP signed notes (c2sp.org/signed-note) with Ed25519: the text, a blank line, then
/// <c>— name base64(keyID || signature)</c>. Interoperates with golang.org/x/mod/sumdb/note.
/// </summary>
/// <remarks>This file links into the standalone verifier: BCL and NSec only.</remarks>
public sealed class NoteSigner
{
    private readonly byte[] _seed;

    private NoteSigner(string name, byte[] seed, byte[] publicKey)
    {
        (Name, _seed, PublicKey) = (name, seed, publicKey);
        KeyId = Note.KeyId(name, publicKey);
    }

    public string Name { get; }

    /// <summary>The 32-byte Ed25519 public key (RFC 8032).</summary>
    public byte[] PublicKey { get; }

    /// <summary>SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian (signed-note, "Signatures").</summary>
    public uint KeyId { get; }

    /// <summary>The verifier key text <c>name+hex8(keyID)+base64(0x01 || public key)</c>, as the Go note package writes it.</summary>
    public string VerifierKey => $"{Name}+{KeyId:x8}+{Convert.ToBase64String([Note.Ed25519, .. PublicKey])}";

    /// <summary>A signer for a key name (no spaces or '+', per the spec) and a 32-byte Ed25519 private key seed.</summary>
    public static NoteSigner Create(string name, byte[] ed25519PrivateKeySeed32)
    {
        if (!Note.IsValidName(name)) throw new ArgumentException("A key name must be non-empty, without spaces or '+'.", nameof(name));
        if (ed25519PrivateKeySeed32 is not { Length: 32 }) throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(ed25519PrivateKeySeed32));
        using var key = Key.Import(SignatureAlgorithm.Ed25519, ed25519PrivateKeySeed32, KeyBlobFormat.RawPrivateKey);
        return new NoteSigner(name, ed25519PrivateKeySeed32.ToArray(), key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>A fresh random Ed25519 key: the 32-byte seed to keep secret, and its public key.</summary>
    public static (byte[] seed, byte[] publicKey) GenerateKey()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        return (seed, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>
    /// The signed note for <paramref name="body"/>: the body (which must end in a newline and hold no control
    /// characters but newlines), a blank line and this key's signature line. Ed25519 is deterministic, so the same
    /// body and key always give the same note.
    /// </summary>
    public string Sign(string body)
    {
        if (!Note.IsValidText(body) || !body.EndsWith('\n'))
            throw new ArgumentException("A note body is non-empty text ending in a newline, without other control characters.", nameof(body));
        using var key = Key.Import(SignatureAlgorithm.Ed25519, _seed, KeyBlobFormat.RawPrivateKey);
        var signature = SignatureAlgorithm.Ed25519.Sign(key, Encoding.UTF8.GetBytes(body));
        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        signature.CopyTo(blob, 4);
        return $"{body}\n{Note.Dash} {Name} {Convert.ToBase64String(blob)}\n";
    }
}

/// <summary>What <see cref="NoteVerifier.Verify"/> found: the verified body and the name of the first known key that signed it, or only the problem in words.</summary>
public sealed record NoteCheck(bool Valid, string? Body, string? SignedBy, string? Problem);

/// <summary>
/// Opens C2SP signed notes. Per the spec, signatures by unknown keys (name and key ID not both matching) are
/// ignored, a signature by a known key that fails to verify rejects the whole note, and a note needs at least one
/// verified signature by a known key.
/// </summary>
public static class NoteVerifier
{
    public const string Malformed = "malformed note";
    public const string NoKnownSignature = "no signature by a known key";
    public const string BadSignature = "signature does not verify";

    /// <summary>The Go note package caps signatures at 100; the spec asks for at least 16.</summary>
    private const int MaxSignatures = 100;

    /// <summary>Parses <c>name+hex8+base64(0x01 || key)</c>, checking the key ID matches the name and key.</summary>
    public static bool TryParseVerifierKey(string vkey, out string name, out uint keyId, out byte[] publicKey)
    {
        (name, keyId, publicKey) = ("", 0, []);
        var parts = (vkey ?? "").Split('+', 3);   // the base64 part may itself contain '+'
        if (parts.Length != 3 || !Note.IsValidName(parts[0]) || parts[1].Length != 8 || !parts[1].All(char.IsAsciiHexDigit)
            || !Note.TryBase64(parts[2], out var key) || key is not [Note.Ed25519, ..] || key.Length != 33)
            return false;
        var id = uint.Parse(parts[1], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        if (id != Note.KeyId(parts[0], key.AsSpan(1))
            || !NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, key.AsSpan(1), KeyBlobFormat.RawPublicKey, out _))
            return false;
        (name, keyId, publicKey) = (parts[0], id, key[1..]);
        return true;
    }

    /// <summary>
    /// Checks <paramref name="note"/> against the trusted <paramref name="verifierKeys"/> (malformed keys throw
    /// <see cref="ArgumentException"/>: they are configuration, not input).
    /// </summary>
    public static NoteCheck Verify(string note, IEnumerable<string> verifierKeys)
    {
        var known = verifierKeys.Select(k => TryParseVerifierKey(k, out var n, out var id, out var pk)
            ? (Name: n, Id: id, Key: pk) : throw new ArgumentException($"Malformed verifier key: {k}", nameof(verifierKeys))).ToList();

        if (note is null || !Note.IsValidText(note)) return Fail(Malformed);
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || split + 2 >= note.Length || !note.EndsWith('\n')) return Fail(Malformed);
        var body = note[..(split + 1)];
        var lines = note[(split + 2)..^1].Split('\n');
        if (lines.Length > MaxSignatures) return Fail(Malformed);

        string? signedBy = null;
        foreach (var line in lines)
        {
            if (!line.StartsWith(Note.Dash + " ", StringComparison.Ordinal)) return Fail(Malformed);
            var rest = line[2..];
            var space = rest.IndexOf(' ');
            if (space < 0 || !Note.IsValidName(rest[..space]) || !Note.TryBase64(rest[(space + 1)..], out var blob) || blob.Length < 5)
                return Fail(Malformed);
            var (name, id) = (rest[..space], BinaryPrimitives.ReadUInt32BigEndian(blob));
            foreach (var k in known.Where(k => k.Name == name && k.Id == id))
            {
                var key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, k.Key, KeyBlobFormat.RawPublicKey);
                if (!SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(body), blob.AsSpan(4)))
                    return Fail(BadSignature);
                signedBy ??= name;
            }
        }
        return signedBy is null ? Fail(NoKnownSignature) : new NoteCheck(true, body, signedBy, null);
    }

    private static NoteCheck Fail(string problem) => new(false, null, null, problem);
}

/// <summary>The rules of c2sp.org/signed-note both sides share.</summary>
internal static class Note
{
    public const char Dash = '\u2014';
    public const byte Ed25519 = 0x01;

    public static uint KeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        byte[] input = [.. Encoding.UTF8.GetBytes(name), 0x0A, Ed25519, .. publicKey];
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>Key names are non-empty, without Unicode spaces or '+'.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && !name.Any(c => char.IsWhiteSpace(c) || c == '+') && IsValidText(name);

    /// <summary>Valid UTF-8 once encoded (no lone surrogates) and no control characters other than newline.</summary>
    public static bool IsValidText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 && c != '\n') return false;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c)) return false;
        }
        return true;
    }

    /// <summary>Standard base64 only: .NET's decoder would otherwise skip whitespace inside.</summary>
    public static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length % 4 != 0 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            return false;
        try { bytes = Convert.FromBase64String(text); return true; }
        catch (FormatException) { return false; }
    }
}
