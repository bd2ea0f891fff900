using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance;

/// <summary>Stored as numbers: never renumber. More specific scopes have higher numbers.</summary>
public enum RetentionScope { Organization = 1, Kind = 2, Conversation = 3 }

/// <summary>
/// How long messages are kept: for the whole organization, one kind of conversation, or one conversation. The most
/// specific policy applies, whole (a conversation's policy without a maximum keeps its messages even where the
/// organization's default would purge them). Nothing younger than <see cref="MinimumDays"/> is purged or erased; messages
/// older than <see cref="MaximumDays"/> are purged.
/// </summary>
public sealed class RetentionPolicy
{
    /// <summary>About a hundred years: long enough for any law, short enough that dates never overflow.</summary>
    public const int MaxDays = 36_500;

    private RetentionPolicy() { }

    public RetentionPolicy(Guid organizationId, RetentionScope scope, ConversationKind? kind, long? conversationId)
    {
        OrganizationId = organizationId;
        Scope = scope;
        Kind = kind;
        ConversationId = conversationId;
        ScopeKey = KeyOf(scope, kind, conversationId);
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public RetentionScope Scope { get; private set; }
    public ConversationKind? Kind { get; private set; }
    public long? ConversationId { get; private set; }

    /// <summary>One policy per scope: <c>organization</c>, <c>kind:public</c>, <c>conversation:42</c>. Names the policy in erasure entries.</summary>
    public string ScopeKey { get; private set; } = "";
    public int? MinimumDays { get; private set; }
    public int? MaximumDays { get; private set; }
    public Guid UpdatedBy { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public TimeSpan? Minimum => MinimumDays is { } d ? TimeSpan.FromDays(d) : null;
    public TimeSpan? Maximum => MaximumDays is { } d ? TimeSpan.FromDays(d) : null;

    public void Set(int? minimumDays, int? maximumDays, Guid by, DateTimeOffset now)
    {
        if (minimumDays is < 0 or > MaxDays)
            throw new DomainException("retention-minimum-invalid", $"The minimum is 0 to {MaxDays} days.", 400, "minimumDays");
        if (maximumDays is < 1 or > MaxDays)
            throw new DomainException("retention-maximum-invalid", $"The maximum is 1 to {MaxDays} days.", 400, "maximumDays");
        if (minimumDays is { } min && maximumDays is { } max && min > max)
            throw new DomainException("retention-minimum-above-maximum",
                "The minimum is longer than the maximum: messages could never be both kept and purged. Lower the minimum or raise the maximum.",
                400, "minimumDays");
        MinimumDays = minimumDays;
        MaximumDays = maximumDays;
        UpdatedBy = by;
        UpdatedAt = now;
    }

    public static string KeyOf(RetentionScope scope, ConversationKind? kind, long? conversationId) => scope switch
    {
        RetentionScope.Organization => "organization",
        RetentionScope.Kind => $"kind:{ConversationDtos.KindName(kind!.Value)}",
        _ => $"conversation:{conversationId}",
    };
}

internal sealed class RetentionPolicyConfiguration : IEntityTypeConfiguration<RetentionPolicy>
{
    public void Configure(EntityTypeBuilder<RetentionPolicy> e)
    {
        e.Property(p => p.ScopeKey).HasMaxLength(40);
        e.HasIndex(p => new { p.OrganizationId, p.ScopeKey }).IsUnique();
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(p => p.OrganizationId);
    }
}
