namespace Parley.Server.Features.Records.Log;

/// <summary>
/// Where a <see cref="TiledTree"/> keeps its hashes: C2SP tlog-tiles hash tiles of height 8. The tile at
/// (<c>level</c>, <c>index</c>) holds the hashes of tree level 8·level, positions 256·index onwards, as concatenated
/// 32-byte hashes; a partial tile (fewer than 256) is rewritten wider as the tree grows. Hashes in a tile never
/// change once written, so any stored width at least as wide as needed serves every older tree size.
/// </summary>
public interface ITileStore
{
    /// <summary>The stored tile, possibly partial; null when there is none.</summary>
    Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken ct);

    /// <summary>Stores (or widens) a tile. The bytes passed are owned by the store from then on.</summary>
    Task WriteTileAsync(int level, long index, byte[] hashes, CancellationToken ct);
}

/// <summary>An in-memory <see cref="ITileStore"/>, for tests and the offline verifier.</summary>
public sealed class MemoryTileStore : ITileStore
{
    private readonly Dictionary<(int Level, long Index), byte[]> _tiles = [];
    private readonly Lock _lock = new();

    /// <summary>How many reads were served, so tests can hold the tree to its O(log n) promise.</summary>
    public int Reads { get; private set; }

    public Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken ct)
    {
        lock (_lock)
        {
            Reads++;
            return Task.FromResult(_tiles.TryGetValue((level, index), out var tile) ? (byte[]?)tile.ToArray() : null);
        }
    }

    public Task WriteTileAsync(int level, long index, byte[] hashes, CancellationToken ct)
    {
        lock (_lock) _tiles[(level, index)] = hashes.ToArray();
        return Task.CompletedTask;
    }
}
