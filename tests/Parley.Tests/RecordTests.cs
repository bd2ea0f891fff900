using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records;

namespace Parley.Tests;

public class RecordTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-05T09:00:00Z");

    [Fact]
    public void An_entry_links_to_the_previous_hash_and_commits_to_its_content()
    {
        var first = new RecordEntry(Guid.NewGuid(), 7, 1, RecordKind.MessagePosted, 1, Guid.NewGuid(), Now, null, "hello", ChainHash.Genesis);
        var second = new RecordEntry(first.OrganizationId, 7, 2, RecordKind.MessageEdited, 1, first.ActorId, Now, null, "hello!", first.Hash);

        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(second.Hash, second.ComputeHash());
        Assert.True(second.ContentMatchesCommitment());
        Assert.NotEqual(first.Commitment, second.Commitment);
    }

    [Fact]
    public void The_same_content_commits_differently_under_another_salt()
    {
        var a = ChainHash.Commit(ChainHash.NewSalt(), "same words");
        var b = ChainHash.Commit(ChainHash.NewSalt(), "same words");

        Assert.NotEqual(a, b);                   // a commitment can't be matched against a guessed text without its salt
    }

    [Fact]
    public void Changing_any_linked_field_changes_the_hash()
    {
        var previous = new string('a', 64);
        var baseline = ChainHash.Link(previous, "org", "1", "2", "3");

        Assert.NotEqual(baseline, ChainHash.Link(previous, "org", "1", "2", "4"));
        Assert.NotEqual(baseline, ChainHash.Link(new string('b', 64), "org", "1", "2", "3"));
        Assert.NotEqual(baseline, ChainHash.Link(previous, "org", "12", "3"));   // the separator keeps fields apart
    }

    [Fact]
    public void An_audit_event_hash_covers_its_data()
    {
        var e = new AuditEvent(Guid.NewGuid(), 1, AuditAction.UserRoleChanged, Guid.NewGuid(), "user", "x", "{\"after\":\"admin\"}", "127.0.0.1", Now, "");
        var other = new AuditEvent(e.OrganizationId, 1, AuditAction.UserRoleChanged, e.ActorId, "user", "x", "{\"after\":\"owner\"}", "127.0.0.1", Now, "");

        Assert.Equal(e.Hash, e.ComputeHash());
        Assert.NotEqual(e.Hash, other.Hash);
    }
}
