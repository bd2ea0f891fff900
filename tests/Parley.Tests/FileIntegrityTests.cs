using Microsoft.Extensions.Logging.Abstractions;
using Parley.Server.Features.Files;

namespace Parley.Tests;

/// <summary>How <see cref="FileIntegrity"/> keeps its list when checks overlap: a check that read a file before it broke never clears it.</summary>
public sealed class FileIntegrityTests
{
    private static readonly Guid Organization = Guid.CreateVersion7(), File = Guid.CreateVersion7();
    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static readonly FileStore.Contents Sound = new(true, Sha, 10), Altered = new(true, new string('b', 64), 10);

    private static FileFinding? Judge(FileIntegrity integrity, FileStore.Contents found, long mark) =>
        integrity.Judge(Organization, File, Sha, 10, found, mark, "test", "/data/files/x");

    [Fact]
    public void A_check_that_started_before_a_fault_was_found_does_not_clear_it()
    {
        var integrity = new FileIntegrity(NullLogger<FileIntegrity>.Instance);
        var slowCheck = integrity.Mark();                          // read the file while it was still sound ...

        var finding = Judge(integrity, Altered, integrity.Mark()); // ... meanwhile a later check finds it altered
        Judge(integrity, Sound, slowCheck);                         // ... then the slow check reports what it read

        Assert.Equal(FileFault.Altered, finding?.Fault);
        Assert.Equal(1, integrity.Count);
    }

    [Fact]
    public void A_check_that_started_after_the_fault_clears_it_when_the_file_is_sound_again()
    {
        var integrity = new FileIntegrity(NullLogger<FileIntegrity>.Instance);
        Judge(integrity, FileStore.Contents.Missing, integrity.Mark());

        var restored = Judge(integrity, Sound, integrity.Mark());

        Assert.Null(restored);
        Assert.Equal(0, integrity.Count);
    }

    [Fact]
    public void A_whole_scrub_forgets_findings_it_did_not_repeat_and_keeps_those_found_during_it()
    {
        var integrity = new FileIntegrity(NullLogger<FileIntegrity>.Instance);
        Judge(integrity, Altered, integrity.Mark());               // its row is deleted before the next scrub
        var scrub = integrity.Mark();
        var other = Guid.CreateVersion7();
        integrity.Judge(Organization, other, Sha, 10, FileStore.Contents.Missing, integrity.Mark(), "download", "/data/files/y");

        integrity.ForgetBefore(scrub);

        Assert.Equal([other], integrity.Findings.Select(f => f.FileId));
    }
}
