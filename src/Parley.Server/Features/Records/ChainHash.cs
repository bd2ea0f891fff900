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

    public static string Commit(byte[] salt, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var buffer = new byte[salt.Length + bytes.Length];
        salt.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, salt.Length);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>Fields are joined with a separator that none of them can contain (ids, numbers, hex).</summary>
    public static string Link(string previousHash, params ReadOnlySpan<string> fields) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"v1|{string.Join('|', fields.ToArray())}|{previousHash}")));

    public static string Time(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
