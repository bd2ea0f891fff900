namespace Parley.Server.Features.Records.Log;

/// <summary>
/// An RFC 9162 Merkle tree stored as C2SP tlog-tiles hash tiles of height 8 in an <see cref="ITileStore"/>.
/// Any complete subtree of 2^h leaves is one hash at level h/8 when h is a multiple of 8, or else 2^(h mod 8)
/// consecutive hashes of one tile, hashed up. So a root or a proof costs O(log n) tile reads and at most 255
/// hash computations per tile, and the store holds each hash once. Nothing is cached across calls: the store
/// is the database, written by others between calls.
/// </summary>
/// <remarks>This file links into the standalone verifier: BCL only.</remarks>
public sealed class TiledTree(ITileStore store)
{
    public const int TileHeight = 8;
    public const int TileWidth = 1 << TileHeight;
    private const int H = Rfc9162.HashSize;

    /// <summary>
    /// Appends leaf hashes to the tree of <paramref name="currentSize"/> leaves: the leaves go into level-0 tiles,
    /// each tile that becomes full adds its subtree hash to the level above, and so on. Returns the new root.
    /// Reads only the partial tiles being extended (and, for the root, tiles written in this call come from memory,
    /// so a store that only sees its writes on commit still works).
    /// </summary>
    public async Task<byte[]> AppendAsync(long currentSize, IReadOnlyList<byte[]> leafHashes, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(currentSize);
        if (leafHashes.Any(h => h is not { Length: H })) throw new ArgumentException("Leaf hashes must be 32 bytes.", nameof(leafHashes));
        var tiles = new Tiles(store, ct);
        IReadOnlyList<byte[]> fresh = leafHashes;   // new hashes of tree level 8·level, from position currentSize >> 8·level
        for (var level = 0; fresh.Count > 0; level++)
        {
            var full = new List<byte[]>();
            long position = currentSize >> (TileHeight * level);
            for (var used = 0; used < fresh.Count;)
            {
                long tile = position / TileWidth;
                var offset = (int)(position % TileWidth);
                var take = Math.Min(TileWidth - offset, fresh.Count - used);
                var bytes = new byte[(offset + take) * H];
                if (offset > 0) (await tiles.ReadAsync(level, tile, offset)).AsSpan(0, offset * H).CopyTo(bytes);
                for (var i = 0; i < take; i++) fresh[used + i].CopyTo(bytes, (offset + i) * H);
                await tiles.WriteAsync(level, tile, bytes);
                if (offset + take == TileWidth) full.Add(HashUp(bytes, 0, TileWidth));
                position += take;
                used += take;
            }
            fresh = full;
        }
        return await RootAsync(tiles, currentSize + leafHashes.Count);
    }

    /// <summary>MTH of the first <paramref name="size"/> leaves; any size up to the stored one (§2.1.1).</summary>
    public Task<byte[]> RootAsync(long size, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return RootAsync(new Tiles(store, ct), size);
    }

    private static async Task<byte[]> RootAsync(Tiles tiles, long size) =>
        size == 0 ? Rfc9162.EmptyRoot : await RangeHashAsync(tiles, 0, size);

    public Task<byte[]> LeafHashAsync(long index, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return NodeAsync(new Tiles(store, ct), 0, index);
    }

    /// <summary>PATH(index, D[size]), §2.1.3.1, identical to <see cref="Rfc9162.InclusionProof"/>.</summary>
    public async Task<List<byte[]>> InclusionProofAsync(long index, long size, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        // Walk down from the root as the RFC's recursion does, noting the sibling subtree at each step.
        var siblings = new List<(long Start, long Count)>();
        long start = 0, n = size, m = index;
        while (n > 1)
        {
            var k = Rfc9162.SplitPoint(n);
            if (m < k) { siblings.Add((start + k, n - k)); n = k; }
            else { siblings.Add((start, k)); start += k; m -= k; n -= k; }
        }
        siblings.Reverse();   // the proof lists them leaf-first
        return await HashAllAsync(new Tiles(store, ct), siblings);
    }

    /// <summary>PROOF(size1, D[size2]), §2.1.4.1, identical to <see cref="Rfc9162.ConsistencyProof"/>.</summary>
    public async Task<List<byte[]>> ConsistencyProofAsync(long size1, long size2, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size1, size2);
        var parts = new List<(long Start, long Count)>();
        if (size1 > 0 && size1 < size2)
        {
            long start = 0, n = size2, m = size1;
            var whole = true;   // the RFC's b: still on the path of the old root itself
            while (m != n)
            {
                var k = Rfc9162.SplitPoint(n);
                if (m <= k) { parts.Add((start + k, n - k)); n = k; }
                else { parts.Add((start, k)); start += k; m -= k; n -= k; whole = false; }
            }
            if (!whole) parts.Add((start, n));
            parts.Reverse();
        }
        return await HashAllAsync(new Tiles(store, ct), parts);
    }

    private static async Task<List<byte[]>> HashAllAsync(Tiles tiles, List<(long Start, long Count)> ranges)
    {
        var hashes = new List<byte[]>(ranges.Count);
        foreach (var (start, count) in ranges) hashes.Add(await RangeHashAsync(tiles, start, count));
        return hashes;
    }

    /// <summary>
    /// MTH(D[start:start+count]) where start is a multiple of a power of two at least count, as every range in
    /// the RFC's recursions is: the range splits into complete subtrees, largest first, folded from the right.
    /// </summary>
    private static async Task<byte[]> RangeHashAsync(Tiles tiles, long start, long count)
    {
        var nodes = new List<byte[]>();
        while (count > 0)
        {
            var height = 63 - (int)long.LeadingZeroCount(count);
            nodes.Add(await NodeAsync(tiles, height, start >> height));
            start += 1L << height;
            count -= 1L << height;
        }
        var hash = nodes[^1];
        for (var i = nodes.Count - 2; i >= 0; i--) hash = Rfc9162.NodeHash(nodes[i], hash);
        return hash;
    }

    /// <summary>The complete subtree of 2^height leaves at position index among its peers.</summary>
    private static async Task<byte[]> NodeAsync(Tiles tiles, int height, long index)
    {
        int level = height / TileHeight, below = height % TileHeight;
        long first = index << below;   // position of its first hash at tree level 8·level
        var offset = (int)(first % TileWidth);
        var tile = await tiles.ReadAsync(level, first / TileWidth, offset + (1 << below));
        return HashUp(tile, offset, 1 << below);
    }

    /// <summary>The root of <paramref name="count"/> (a power of two) consecutive hashes in a tile.</summary>
    private static byte[] HashUp(byte[] tile, int offset, int count)
    {
        var layer = new byte[count][];
        for (var i = 0; i < count; i++) layer[i] = tile.AsSpan((offset + i) * H, H).ToArray();
        for (; count > 1; count /= 2)
            for (var i = 0; i < count / 2; i++) layer[i] = Rfc9162.NodeHash(layer[2 * i], layer[2 * i + 1]);
        return layer[0];
    }

    /// <summary>One call's view of the store: each tile read once, and this call's writes seen before commit.</summary>
    private sealed class Tiles(ITileStore store, CancellationToken ct)
    {
        private readonly Dictionary<(int, long), byte[]> _seen = [];

        public async Task<byte[]> ReadAsync(int level, long index, int atLeast)
        {
            if (!_seen.TryGetValue((level, index), out var tile) || tile.Length < atLeast * H)
            {
                tile = await store.ReadTileAsync(level, index, ct) ?? [];
                if (tile.Length % H != 0 || tile.Length > TileWidth * H)
                    throw new InvalidOperationException($"Tile {level}/{index} has a malformed length of {tile.Length} bytes.");
                _seen[(level, index)] = tile;
            }
            return tile.Length >= atLeast * H ? tile
                : throw new InvalidOperationException($"Tile {level}/{index} holds {tile.Length / H} hashes, {atLeast} needed: the tree is smaller than asked.");
        }

        public Task WriteAsync(int level, long index, byte[] tile)
        {
            _seen[(level, index)] = tile;
            return store.WriteTileAsync(level, index, tile.ToArray(), ct);
        }
    }
}
