using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Platform;

namespace Parley.Tests;

public class AccountRulesTests
{
    private static PasswordHasher Hasher(int memory = 1024, int iterations = 1) =>
        new(Options.Create(new PasswordOptions { MemoryKiB = memory, Iterations = iterations }));

    [Fact]
    public void A_password_verifies_and_a_wrong_one_does_not()
    {
        var hasher = Hasher();
        var stored = hasher.Hash("correct horse battery");

        Assert.StartsWith("argon2id$m=1024,t=1$", stored);
        Assert.True(hasher.Verify(stored, "correct horse battery"));
        Assert.False(hasher.Verify(stored, "correct horse batterY"));
        Assert.False(hasher.Verify("garbage", "correct horse battery"));
    }

    [Fact]
    public void A_hash_made_with_an_older_cost_asks_to_be_upgraded()
    {
        var old = Hasher(1024, 1).Hash("pw-0123456789");

        Assert.True(Hasher(2048, 2).NeedsRehash(old));
        Assert.False(Hasher(1024, 1).NeedsRehash(old));
        Assert.True(Hasher(2048, 2).Verify(old, "pw-0123456789"));   // the stored form carries its own cost
    }

    [Fact]
    public void The_throttle_locks_an_account_for_one_address_after_repeated_failures_and_lets_it_go_later()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-05T09:00:00Z"));
        var throttle = new LoginThrottle(clock);
        for (var i = 0; i < LoginThrottle.FreeFailures - 1; i++)
            throttle.Failed("A@B.TEST", "198.51.100.7");
        Assert.Null(throttle.RetryAfter("A@B.TEST", "198.51.100.7"));

        throttle.Failed("A@B.TEST", "198.51.100.7");
        Assert.NotNull(throttle.RetryAfter("A@B.TEST", "198.51.100.7"));
        Assert.Null(throttle.RetryAfter("A@B.TEST", "203.0.113.9"));
        Assert.Null(throttle.RetryAfter("OTHER@B.TEST", "198.51.100.7"));

        clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Null(throttle.RetryAfter("A@B.TEST", "198.51.100.7"));
    }

    [Fact]
    public void Past_the_account_ceiling_each_address_gets_one_failure_but_a_fresh_address_is_never_locked_out()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-05T09:00:00Z"));
        var throttle = new LoginThrottle(clock);
        for (var i = 0; i < LoginThrottle.AccountCeiling; i++)
            throttle.Failed("A@B.TEST", $"10.0.{i / 250}.{i % 250}");

        throttle.Failed("A@B.TEST", "198.51.100.7");

        Assert.NotNull(throttle.RetryAfter("A@B.TEST", "198.51.100.7"));
        Assert.Null(throttle.RetryAfter("A@B.TEST", "203.0.113.9"));
        clock.Advance(LoginThrottle.AccountWindow);
        throttle.Failed("A@B.TEST", "203.0.113.9");
        Assert.Null(throttle.RetryAfter("A@B.TEST", "203.0.113.9"));
    }

    [Theory]
    [InlineData("Jane.Doe@acme.test", "jane.doe")]
    [InlineData("<script>@acme.test", "script")]
    [InlineData("..@acme.test", "user")]
    public void A_handle_is_made_from_the_email(string email, string handle) =>
        Assert.Equal(handle, User.HandleFrom(email));

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\report.pdf", "report.pdf")]
    [InlineData("..", "file")]
    [InlineData("\"quoted name.txt\"", "quoted name.txt")]
    [InlineData("a\u0000b\nc.txt", "abc.txt")]
    public void File_names_keep_only_a_safe_last_segment(string raw, string safe) =>
        Assert.Equal(safe, UploadFile.SafeFileName(raw));

    [Fact]
    public void An_archived_channel_refuses_changes()
    {
        var channel = new Conversation(Guid.NewGuid(), ConversationKind.PublicChannel, "general", null, Guid.NewGuid(), DateTimeOffset.UnixEpoch);
        channel.Archive(DateTimeOffset.UnixEpoch);

        var refused = Assert.Throws<DomainException>(() => channel.Rename("random"));
        Assert.Equal("conversation-archived", refused.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bad\u0007name")]
    public void A_channel_name_must_be_printable_and_not_empty(string name)
    {
        var refused = Assert.Throws<DomainException>(() =>
            new Conversation(Guid.NewGuid(), ConversationKind.PublicChannel, name, null, Guid.NewGuid(), DateTimeOffset.UnixEpoch));
        Assert.Equal("conversation-name-invalid", refused.Code);
    }

    [Fact]
    public void The_same_people_make_the_same_direct_key_in_any_order()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal(Conversation.DirectKeyOf([a, b, c]), Conversation.DirectKeyOf([c, a, b, a]));
        Assert.NotEqual(Conversation.DirectKeyOf([a, b]), Conversation.DirectKeyOf([a, c]));
    }
}
