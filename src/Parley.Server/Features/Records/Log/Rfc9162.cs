using System.Security.Cryptography;

namespace Parley.Server.Features.Records.Log;

/// <summary>Placeholder: replaced by the full implementation.</summary>
public static class Rfc9162
{
    public static byte[] LeafHash(ReadOnlySpan<byte> leafInput)
    {
        var buffer = new byte[leafInput.Length + 1];
        leafInput.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }
}
