using System.Globalization;
using System.Text;

namespace Parley.Server.Features.Records.Log;

/// <summary>
/// A tree head as the body of a signed note (c2sp.org/tlog-checkpoint): origin, decimal size, base64 root, then
/// optional extension lines, each line ending in a newline. Equality of the record compares the root and extension
/// list by reference; compare <see cref="Body"/> to compare checkpoints.
/// </summary>
/// <remarks>This file links into the standalone verifier: BCL only.</remarks>
public sealed record Checkpoint(string Origin, long Size, byte[] Root, IReadOnlyList<string> Extensions)
{
    public string Body()
    {
        if (!IsLine(Origin) || Size < 0 || Root is not { Length: Rfc9162.HashSize } || Extensions.Any(e => !IsLine(e)))
            throw new InvalidOperationException("A checkpoint needs a one-line origin, a size of 0 or more, a 32-byte root and non-empty one-line extensions.");
        var text = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(Root)).Append('\n');
        foreach (var extension in Extensions) text.Append(extension).Append('\n');
        return text.ToString();
    }

    /// <summary>Parses a note body strictly: no leading zeros, canonical base64 of exactly 32 bytes, no empty lines.</summary>
    public static bool TryParse(string body, out Checkpoint? checkpoint)
    {
        checkpoint = null;
        if (string.IsNullOrEmpty(body) || !body.EndsWith('\n')) return false;
        var lines = body[..^1].Split('\n');
        if (lines.Length < 3 || lines.Any(l => l.Length == 0 || l.Contains('\r'))) return false;
        var size = lines[1];
        if (!size.All(char.IsAsciiDigit) || (size.Length > 1 && size[0] == '0')
            || !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;
        if (!Note.TryBase64(lines[2], out var root) || root.Length != Rfc9162.HashSize || Convert.ToBase64String(root) != lines[2])
            return false;
        checkpoint = new Checkpoint(lines[0], n, root, lines[3..]);
        return true;
    }

    private static bool IsLine(string? s) => !string.IsNullOrEmpty(s) && !s.Contains('\n');
}
