using System.Security.Cryptography;
using System.Text;

namespace Parley.Server.Platform;

/// <summary>Random tokens handed to clients, and the hashes we keep instead of them.</summary>
public static class Secrets
{
    /// <summary>A fresh 256-bit token, URL-safe.</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>What the database stores for a token. Tokens carry 256 bits of entropy, so a plain SHA-256 is enough.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
