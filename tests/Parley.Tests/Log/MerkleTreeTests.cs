using System.Security.Cryptography;
using Parley.Server.Features.Records.Log;

namespace Parley.Tests.Log;

/// <summary>RFC 9162 hashing and proofs, and the tiled tree checked against the RFC's reference definitions.</summary>
public class MerkleTreeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    // The RFC 6962 vectors published with transparency-dev/merkle (testonly/constants.go, proof/verify_test.go).
    private static readonly byte[][] VectorLeaves =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
            .Select(h => Rfc9162.LeafHash(Hex(h))).ToArray();

    private static readonly string[] VectorRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public async Task Roots_match_the_published_RFC_6962_vectors_in_the_reference_and_the_tiled_tree()
    {
        Assert.Equal(VectorRoots[0], Convert.ToHexStringLower(Rfc9162.EmptyRoot));
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Convert.ToHexStringLower(VectorLeaves[0]));
        var tree = new TiledTree(new MemoryTileStore());
        for (var size = 0; size <= 8; size++)
        {
            Assert.Equal(VectorRoots[size], Convert.ToHexStringLower(Rfc9162.RootOf(VectorLeaves[..size])));
            if (size > 0) Assert.Equal(VectorRoots[size], Convert.ToHexStringLower(await tree.AppendAsync(size - 1, [VectorLeaves[size - 1]], Ct)));
            Assert.Equal(VectorRoots[size], Convert.ToHexStringLower(await tree.RootAsync(size, Ct)));
        }
    }

    [Theory]
    [InlineData(0, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, 8, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 3, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(1, 5, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    [InlineData(0, 1, "")]
    public async Task Inclusion_proofs_match_the_published_vectors(long index, int size, string expected)
    {
        var tree = await TreeOf(VectorLeaves[..size], batch: 3);
        var want = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(want, Rfc9162.InclusionProof(VectorLeaves[..size], index).Select(Convert.ToHexStringLower));
        Assert.Equal(want, (await tree.InclusionProofAsync(index, size, Ct)).Select(Convert.ToHexStringLower));
        Assert.True(Rfc9162.VerifyInclusion(index, size, VectorLeaves[index], want.Select(Hex).ToList(), Hex(VectorRoots[size])));
    }

    [Theory]
    [InlineData(1, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(6, 8, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 5, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    [InlineData(6, 7, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(1, 1, "")]
    public async Task Consistency_proofs_match_the_published_vectors(int size1, int size2, string expected)
    {
        var tree = await TreeOf(VectorLeaves[..size2], batch: 1);
        var want = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(want, Rfc9162.ConsistencyProof(VectorLeaves[..size2], size1).Select(Convert.ToHexStringLower));
        Assert.Equal(want, (await tree.ConsistencyProofAsync(size1, size2, Ct)).Select(Convert.ToHexStringLower));
        Assert.True(Rfc9162.VerifyConsistency(size1, size2, Hex(VectorRoots[size1]), Hex(VectorRoots[size2]), want.Select(Hex).ToList()));
    }

    [Fact]
    public async Task Every_size_up_to_300_gives_the_reference_roots_and_proofs_and_they_verify()
    {
        var leaves = Leaves(300, seed: 1);
        var tree = new TiledTree(new MemoryTileStore());
        var roots = new List<byte[]> { Rfc9162.EmptyRoot };
        for (var size = 1; size <= 300; size++)
        {
            var root = await tree.AppendAsync(size - 1, [leaves[size - 1]], Ct);
            Assert.Equal(Rfc9162.RootOf(leaves[..size]), root);
            roots.Add(root);
        }
        var random = new Random(300);
        for (var size = 1; size <= 300; size++)
        {
            var prefix = leaves[..size];
            Assert.Equal(roots[size], await tree.RootAsync(size, Ct));   // older sizes from the grown tiles
            // Every index and old size for small trees and around the first tile boundary; a sample elsewhere,
            // because the reference recomputes whole subtrees for each proof.
            var exhaustive = size <= 70 || size is >= 254 and <= 258 || size == 300;
            var picks = exhaustive ? Enumerable.Range(0, size + 1)
                : new[] { 0, 1, size / 2, size - 1, size, 128, 256 }.Where(i => i <= size).Concat(Enumerable.Range(0, 8).Select(_ => random.Next(size + 1)));
            foreach (var pick in picks.Distinct())
            {
                if (pick < size)
                {
                    var proof = await tree.InclusionProofAsync(pick, size, Ct);
                    AssertSame(Rfc9162.InclusionProof(prefix, pick), proof);
                    Assert.True(Rfc9162.VerifyInclusion(pick, size, leaves[pick], proof, roots[size]));
                }
                var consistency = await tree.ConsistencyProofAsync(pick, size, Ct);
                AssertSame(Rfc9162.ConsistencyProof(prefix, pick), consistency);
                Assert.True(Rfc9162.VerifyConsistency(pick, size, roots[pick], roots[size], consistency));
            }
        }
    }

    [Theory]
    [InlineData("ones", 1000)]
    [InlineData("random", 70_000)]
    [InlineData("big", 70_000)]
    [InlineData("tile-aligned", 65_536 + 256)]
    public async Task Large_trees_built_in_batches_of_any_shape_give_the_reference_proofs(string shape, int total)
    {
        var random = new Random(total + shape.Length);
        var leaves = Leaves(total, seed: 7);
        var tree = new TiledTree(new MemoryTileStore());
        var sizes = new List<int>();
        for (var size = 0; size < total;)
        {
            var take = Math.Min(total - size, shape switch
            {
                "ones" => 1,
                "random" => random.Next(1, 700),
                "big" => random.Next(1, 20_000),
                _ => 256,
            });
            var root = await tree.AppendAsync(size, leaves[size..(size + take)], Ct);
            size += take;
            sizes.Add(size);
            if (sizes.Count % 37 == 0 || size == total) Assert.Equal(Rfc9162.RootOf(leaves[..size]), root);
        }

        for (var probe = 0; probe < 12; probe++)
        {
            var size2 = probe == 0 ? total : sizes[random.Next(sizes.Count)];
            var size1 = random.Next(0, size2 + 1);
            var index = random.Next(size2);
            var prefix = leaves[..size2];
            var (root1, root2) = (await tree.RootAsync(size1, Ct), await tree.RootAsync(size2, Ct));
            Assert.Equal(Rfc9162.RootOf(prefix), root2);
            Assert.Equal(leaves[index], await tree.LeafHashAsync(index, Ct));

            var inclusion = await tree.InclusionProofAsync(index, size2, Ct);
            Assert.Equal(Rfc9162.InclusionProof(prefix, index), inclusion);
            Assert.True(Rfc9162.VerifyInclusion(index, size2, leaves[index], inclusion, root2));

            var consistency = await tree.ConsistencyProofAsync(size1, size2, Ct);
            Assert.Equal(Rfc9162.ConsistencyProof(prefix, size1), consistency);
            Assert.True(Rfc9162.VerifyConsistency(size1, size2, root1, root2, consistency));
        }
    }

    [Fact]
    public async Task Proofs_read_few_tiles_and_writes_leave_tiles_of_at_most_256_hashes()
    {
        var store = new MemoryTileStore();
        var tree = await TreeOf(Leaves(70_000, seed: 3), batch: 5000, store);
        foreach (var (index, size) in new[] { (0L, 70_000L), (69_999L, 70_000L), (12_345L, 65_537L), (40_000L, 69_999L) })
        {
            var before = store.Reads;
            await tree.InclusionProofAsync(index, size, Ct);
            await tree.ConsistencyProofAsync(index + 1, size, Ct);
            await tree.RootAsync(size, Ct);
            Assert.InRange(store.Reads - before, 1, 3 * 2 * 3);   // three calls, each O(levels) tiles: 3 levels here
        }
        var level0 = await store.ReadTileAsync(0, 273, Ct);   // leaves 69888..69999: a partial tile
        Assert.Equal((70_000 - 273 * 256) * 32, level0!.Length);
        Assert.Equal(256 * 32, (await store.ReadTileAsync(1, 0, Ct))!.Length);
        Assert.Equal(32, (await store.ReadTileAsync(2, 0, Ct))!.Length);   // one complete 65536-leaf subtree
    }

    [Fact]
    public async Task Append_returns_the_right_root_even_when_the_store_shows_writes_only_after_commit()
    {
        var leaves = Leaves(1500, seed: 17);
        var store = new CommitOnSaveStore();
        var tree = new TiledTree(store);
        await tree.AppendAsync(0, leaves[..300], Ct);
        store.Commit();
        Assert.Equal(Rfc9162.RootOf(leaves), await tree.AppendAsync(300, leaves[300..], Ct));   // extends tile 0/1, fills 0/1..0/4
        await Assert.ThrowsAsync<InvalidOperationException>(() => tree.RootAsync(1500, Ct));   // not committed yet: nothing to read
        store.Commit();
        Assert.Equal(Rfc9162.RootOf(leaves), await tree.RootAsync(1500, Ct));
    }

    /// <summary>Like a database transaction that has not been saved yet: reads see only committed tiles.</summary>
    private sealed class CommitOnSaveStore : ITileStore
    {
        private readonly MemoryTileStore _committed = new();
        private readonly List<(int, long, byte[])> _pending = [];

        public Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken ct) => _committed.ReadTileAsync(level, index, ct);

        public Task WriteTileAsync(int level, long index, byte[] hashes, CancellationToken ct)
        {
            _pending.Add((level, index, hashes));
            return Task.CompletedTask;
        }

        public void Commit()
        {
            foreach (var (level, index, hashes) in _pending) _committed.WriteTileAsync(level, index, hashes, default).GetAwaiter().GetResult();
            _pending.Clear();
        }
    }

    [Fact]
    public async Task Asking_beyond_the_stored_tree_fails_loudly()
    {
        var tree = await TreeOf(Leaves(10, seed: 5), batch: 4);
        await Assert.ThrowsAsync<InvalidOperationException>(() => tree.RootAsync(11, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => tree.InclusionProofAsync(3, 300, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tree.InclusionProofAsync(10, 10, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tree.ConsistencyProofAsync(5, 4, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => tree.AppendAsync(20, [Leaves(1, 9)[0]], Ct));
    }

    [Fact]
    public void Tampered_or_malformed_inclusion_proofs_fail_without_throwing()
    {
        var leaves = Leaves(77, seed: 11);
        var root = Rfc9162.RootOf(leaves);
        const int index = 42;
        var proof = Rfc9162.InclusionProof(leaves, index);
        Assert.True(Rfc9162.VerifyInclusion(index, 77, leaves[index], proof, root));

        Assert.False(Rfc9162.VerifyInclusion(index - 1, 77, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index + 1, 77, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index ^ 2, 77, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index, 154, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index, 38, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index + 1], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], proof, Rfc9162.EmptyRoot));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], [.. proof, root], root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], [root, .. proof], root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], proof[..^1], root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], [.. proof, []], root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], [.. proof[..^1], null!], root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], null!, root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index][..31], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], proof, root[..31]));
        Assert.False(Rfc9162.VerifyInclusion(77, 77, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(-1, 77, leaves[index], proof, root));
        Assert.False(Rfc9162.VerifyInclusion(0, 0, leaves[index], [], Rfc9162.EmptyRoot));
        for (var i = 0; i < proof.Count; i++)
            Assert.False(Rfc9162.VerifyInclusion(index, 77, leaves[index], Flip(proof, i), root));
    }

    [Fact]
    public void Tampered_or_malformed_consistency_proofs_fail_without_throwing()
    {
        var leaves = Leaves(77, seed: 13);
        const int size1 = 27, size2 = 77;
        var (root1, root2) = (Rfc9162.RootOf(leaves[..size1]), Rfc9162.RootOf(leaves));
        var proof = Rfc9162.ConsistencyProof(leaves, size1);
        Assert.True(Rfc9162.VerifyConsistency(size1, size2, root1, root2, proof));

        Assert.False(Rfc9162.VerifyConsistency(size1 - 1, size2, root1, root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(size1 + 1, size2, root1, root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(size1 ^ 2, size2, root1, root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2 * 2, root1, root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2 / 2, root1, root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(size2, size1, root2, root1, proof));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root2, root1, proof));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, []));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, [.. proof, root1]));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, [root2, .. proof]));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, [proof[0], .. proof]));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, proof[..^1]));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, [.. proof, []]));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, [null!, .. proof]));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, null!));
        Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1[..5], root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(-1, size2, root1, root2, proof));
        Assert.False(Rfc9162.VerifyConsistency(size2, size2, root1, root2, []));
        Assert.False(Rfc9162.VerifyConsistency(size2, size2, root2, root2, [root2]));
        Assert.True(Rfc9162.VerifyConsistency(size2, size2, root2, root2, []));
        Assert.True(Rfc9162.VerifyConsistency(0, size2, Rfc9162.EmptyRoot, root2, []));
        Assert.False(Rfc9162.VerifyConsistency(0, size2, root1, root2, []));
        Assert.False(Rfc9162.VerifyConsistency(0, size2, Rfc9162.EmptyRoot, root2, [root2]));
        for (var i = 0; i < proof.Count; i++)
            Assert.False(Rfc9162.VerifyConsistency(size1, size2, root1, root2, Flip(proof, i)));
    }

    /// <summary>Assert.Equal on lists of arrays is slow enough to dominate the 90,000 comparisons above.</summary>
    private static void AssertSame(List<byte[]> expected, List<byte[]> actual)
    {
        if (expected.Count != actual.Count || expected.Zip(actual).Any(p => !p.First.AsSpan().SequenceEqual(p.Second)))
            Assert.Equal(expected, actual);   // for the message
    }

    private static List<byte[]> Flip(List<byte[]> proof, int i)
    {
        var copy = proof.Select(p => p.ToArray()).ToList();
        copy[i][0] ^= 16;
        return copy;
    }

    private static byte[][] Leaves(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var input = new byte[random.Next(0, 40)];
            random.NextBytes(input);
            return Rfc9162.LeafHash(input);
        }).ToArray();
    }

    private static async Task<TiledTree> TreeOf(byte[][] leaves, int batch, MemoryTileStore? store = null)
    {
        var tree = new TiledTree(store ?? new MemoryTileStore());
        for (var size = 0; size < leaves.Length; size += batch)
            await tree.AppendAsync(size, leaves[size..Math.Min(leaves.Length, size + batch)], Ct);
        return tree;
    }
}
