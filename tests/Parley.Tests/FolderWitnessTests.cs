using System.Text;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.Tests;

public sealed class FolderWitnessTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _folder = Directory.CreateTempSubdirectory("parley-witness-").FullName;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z"));
    private readonly Guid _organizationId = Guid.NewGuid();

    private FolderWitness Witness => new(_folder, _clock);

    private string Note(long treeSize, string root = "cm9vdA==") =>
        $"parley.local/o/{_organizationId}\n{treeSize}\n{root}\n\n— parley.local/o/{_organizationId} AAAAAXNpZw==\n";

    private string PathOf(long treeSize) => Path.Combine(_folder, _organizationId.ToString(), $"{treeSize:D20}.checkpoint");

    [Fact]
    public async Task A_checkpoint_becomes_a_text_file_named_by_its_size()
    {
        var receipt = await Witness.PublishAsync(_organizationId, 42, Note(42), Ct);

        Assert.Equal(new WitnessReceipt($"folder {_folder}", _clock.GetUtcNow(), null), receipt);
        Assert.Equal(Path.Combine(_folder, _organizationId.ToString(), "00000000000000000042.checkpoint"), PathOf(42));
        Assert.Equal(Encoding.UTF8.GetBytes(Note(42)), await File.ReadAllBytesAsync(PathOf(42), Ct));   // UTF-8, no byte order mark
        Assert.Equal([PathOf(42)], Directory.GetFiles(Path.GetDirectoryName(PathOf(42))!));             // no temporary file left
    }

    [Fact]
    public async Task Publishing_the_same_checkpoint_again_succeeds_without_writing()
    {
        await Witness.PublishAsync(_organizationId, 7, Note(7), Ct);
        File.SetAttributes(PathOf(7), FileAttributes.ReadOnly);          // as on WORM storage: it could not be written again
        var written = File.GetLastWriteTimeUtc(PathOf(7));

        var receipt = await Witness.PublishAsync(_organizationId, 7, Note(7), Ct);

        Assert.Equal($"folder {_folder}", receipt.Witness);
        Assert.Equal(written, File.GetLastWriteTimeUtc(PathOf(7)));
        Assert.Equal(Note(7), await File.ReadAllTextAsync(PathOf(7), Ct));
    }

    [Fact]
    public async Task A_different_checkpoint_of_the_same_size_is_refused_as_a_fork_and_the_first_is_kept()
    {
        await Witness.PublishAsync(_organizationId, 7, Note(7), Ct);

        var fork = await Assert.ThrowsAsync<CheckpointForkException>(() =>
            Witness.PublishAsync(_organizationId, 7, Note(7, root: "b3RoZXI="), Ct));

        Assert.Equal(_organizationId, fork.OrganizationId);
        Assert.Equal(7, fork.TreeSize);
        Assert.Contains("different checkpoint of size 7", fork.Message);
        Assert.Contains(_organizationId.ToString(), fork.Message);
        Assert.Contains(PathOf(7), fork.Message);
        Assert.Equal(Note(7), await File.ReadAllTextAsync(PathOf(7), Ct));
    }

    [Fact]
    public async Task Of_racing_different_checkpoints_of_one_size_exactly_one_is_kept()
    {
        var notes = Enumerable.Range(0, 8).Select(i => Note(9, root: $"cm9vd{i}==")).ToArray();

        var outcomes = await Task.WhenAll(notes.Select(async note =>
        {
            try { await new FolderWitness(_folder, _clock).PublishAsync(_organizationId, 9, note, Ct); return note; }
            catch (CheckpointForkException) { return null; }
        }));

        var winner = Assert.Single(outcomes, o => o is not null);
        Assert.Equal(winner, await File.ReadAllTextAsync(PathOf(9), Ct));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(PathOf(9))!));
    }

    [Fact]
    public async Task Latest_is_the_largest_size_and_the_list_is_in_size_order()
    {
        foreach (var size in new long[] { 9, 100, 10, 0 })
            await Witness.PublishAsync(_organizationId, size, Note(size), Ct);
        await Witness.PublishAsync(Guid.NewGuid(), 1000, "another organization's\n", Ct);

        Assert.Equal(Note(100), await Witness.LatestAsync(_organizationId, Ct));
        var listed = await Witness.ListAsync(_organizationId, Ct).ToListAsync(Ct);
        Assert.Equal([(0, Note(0)), (9, Note(9)), (10, Note(10)), (100, Note(100))], listed);
    }

    [Fact]
    public async Task An_organization_with_nothing_published_has_no_latest_and_an_empty_list()
    {
        Assert.Null(await Witness.LatestAsync(_organizationId, Ct));
        Assert.Empty(await Witness.ListAsync(_organizationId, Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_negative_size_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Witness.PublishAsync(_organizationId, -1, Note(-1), Ct));
    }

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories))
            File.SetAttributes(file, FileAttributes.Normal);
        Directory.Delete(_folder, recursive: true);
    }
}
