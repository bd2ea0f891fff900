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

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var buffer = new byte[1 + left.Length + right.Length];
        buffer[0] = 1;
        left.CopyTo(buffer.AsSpan(1));
        right.CopyTo(buffer.AsSpan(1 + left.Length));
        return SHA256.HashData(buffer);
    }

    public static byte[] EmptyRoot { get; } = SHA256.HashData([]);
}
