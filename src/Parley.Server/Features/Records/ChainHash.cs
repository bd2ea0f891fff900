using System.Security.Cryptography;
using System.Text;

namespace Parley.Server.Features.Records;

/// <summary>
/// The hashing both chains share. An entry's hash covers its fields and a salted commitment to its content,
/// never the content itself: erasing content and salt (retention, GDPR) leaves every hash checkable.
/// </summary>
public static class ChainHash
{
    public const string Genesis = "";

    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(16);

    /// <summary>SHA-256(salt ‖ UTF-8 content), hex: the one rule, shared with the offline verifier.</summary>
    public static string Commit(byte[] salt, string content) => Log.RecordVerifier.Commit(salt, content);

    /// <summary>Fields are joined with a separator that none of them can contain (ids, numbers, hex).</summary>
    public static string Link(string previousHash, params ReadOnlySpan<string> fields) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"v1|{string.Join('|', fields.ToArray())}|{previousHash}")));

    public static string Time(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
