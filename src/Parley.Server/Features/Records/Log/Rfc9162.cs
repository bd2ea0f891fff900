using System.Security.Cryptography;

namespace Parley.Server.Features.Records.Log;

/// <summary>
/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0), §2.1, with SHA-256. The reference functions
/// (<see cref="RootOf"/>, <see cref="InclusionProof"/>, <see cref="ConsistencyProof"/>) follow the RFC's
/// recursive definitions literally over a list of leaf hashes: they are the yardstick the tiled tree is tested
/// against, not what the server runs. The verifiers are what clients and the offline verifier run.
/// </summary>
/// <remarks>This file links into the standalone verifier: BCL only.</remarks>
public static class Rfc9162
{
    public const int HashSize = 32;

    /// <summary>MTH({}) = SHA-256(""), the root of the empty tree (§2.1.1).</summary>
    public static byte[] EmptyRoot => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>SHA-256(0x00 || input): the domain-separated leaf hash (§2.1.1).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> leafInput)
    {
        var buffer = new byte[1 + leafInput.Length];
        leafInput.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    /// <summary>SHA-256(0x01 || left || right): an interior node (§2.1.1).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        if (left.Length != HashSize || right.Length != HashSize)
            throw new ArgumentException("Node children must be 32-byte hashes.");
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n &gt; 1): the RFC's split point k.</summary>
    internal static long SplitPoint(long n) => 1L << (63 - (int)long.LeadingZeroCount(n - 1));

    /// <summary>MTH(D[n]), §2.1.1, over leaf hashes (not leaf inputs).</summary>
    public static byte[] RootOf(IReadOnlyList<byte[]> leafHashes) =>
        leafHashes.Count == 0 ? EmptyRoot : Mth(leafHashes, 0, leafHashes.Count);

    private static byte[] Mth(IReadOnlyList<byte[]> d, long start, long n)
    {
        if (n == 1) return d[(int)start];
        var k = SplitPoint(n);
        return NodeHash(Mth(d, start, k), Mth(d, start + k, n - k));
    }

    /// <summary>PATH(m, D[n]), §2.1.3.1: the audit path of leaf <paramref name="index"/> in the whole list.</summary>
    public static List<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leafHashes.Count);
        var proof = new List<byte[]>();
        Path(leafHashes, index, 0, leafHashes.Count, proof);
        return proof;
    }

    private static void Path(IReadOnlyList<byte[]> d, long m, long start, long n, List<byte[]> proof)
    {
        if (n == 1) return;
        var k = SplitPoint(n);
        if (m < k)
        {
            Path(d, m, start, k, proof);
            proof.Add(Mth(d, start + k, n - k));
        }
        else
        {
            Path(d, m - k, start + k, n - k, proof);
            proof.Add(Mth(d, start, k));
        }
    }

    /// <summary>
    /// PROOF(m, D[n]), §2.1.4.1, from the first <paramref name="size1"/> leaves to the whole list. Empty when
    /// size1 is 0 or the whole list (there is nothing to prove).
    /// </summary>
    public static List<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long size1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size1, leafHashes.Count);
        var proof = new List<byte[]>();
        if (size1 > 0 && size1 < leafHashes.Count) SubProof(leafHashes, size1, 0, leafHashes.Count, true, proof);
        return proof;
    }

    private static void SubProof(IReadOnlyList<byte[]> d, long m, long start, long n, bool b, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!b) proof.Add(Mth(d, start, n));
            return;
        }
        var k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(d, m, start, k, b, proof);
            proof.Add(Mth(d, start + k, n - k));
        }
        else
        {
            SubProof(d, m - k, start + k, n - k, false, proof);
            proof.Add(Mth(d, start, k));
        }
    }

    /// <summary>
    /// §2.1.3.2: does <paramref name="proof"/> show <paramref name="leafHash"/> at <paramref name="index"/> in the tree
    /// of <paramref name="treeSize"/> leaves with <paramref name="root"/>? Malformed input is simply false.
    /// </summary>
    public static bool VerifyInclusion(long index, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= treeSize || !WellFormed(proof) || leafHash.Length != HashSize || root.Length != HashSize)
            return false;
        long fn = index, sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// §2.1.4.2: is the tree of <paramref name="size2"/> leaves with <paramref name="root2"/> an append-only
    /// extension of the one of <paramref name="size1"/> leaves with <paramref name="root1"/>? Equal sizes need an
    /// empty proof and equal roots; size 0 needs an empty proof and the empty root. Malformed input is false.
    /// </summary>
    public static bool VerifyConsistency(long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        if (size1 < 0 || size1 > size2 || !WellFormed(proof) || root1.Length != HashSize || root2.Length != HashSize)
            return false;
        if (size1 == size2) return proof.Count == 0 && root1.SequenceEqual(root2);
        if (size1 == 0) return proof.Count == 0 && root1.SequenceEqual(EmptyRoot);
        if (proof.Count == 0) return false;

        var path = new List<byte[]>(proof.Count + 1);
        if ((size1 & (size1 - 1)) == 0) path.Add(root1.ToArray());
        path.AddRange(proof);
        long fn = size1 - 1, sn = size2 - 1;
        while ((fn & 1) == 1) { fn >>= 1; sn >>= 1; }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(root1) && sr.AsSpan().SequenceEqual(root2);
    }

    private static bool WellFormed(IReadOnlyList<byte[]>? proof) =>
        proof is not null && proof.Count <= 64 && proof.All(p => p is { Length: HashSize });
}
