using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Notifications;

namespace Parley.Server.Features.Conversations;

/// <summary>Stored as numbers in order of power: never renumber.</summary>
public enum MemberRole { Member = 0, Moderator = 10, Owner = 20 }

/// <summary>A person in a conversation, with their role there and how far they have read.</summary>
public sealed class ConversationMember
{
    private ConversationMember() { }

    public ConversationMember(Conversation conversation, Guid userId, MemberRole role, DateTimeOffset now)
    {
        OrganizationId = conversation.OrganizationId;
        ConversationId = conversation.Id;
        Conversation = conversation;
        UserId = userId;
        Role = role;
        JoinedAt = now;
    }

    public long ConversationId { get; private set; }
    public Conversation? Conversation { get; private set; }
    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public MemberRole Role { get; private set; }
    public DateTimeOffset JoinedAt { get; private set; }

    /// <summary>Sequence number of the last message this member has read. Only moves forward.</summary>
    public long LastReadSeq { get; private set; }

    /// <summary>What this member is notified of here (Features/Notifications).</summary>
    public NotificationLevel Notifications { get; private set; }

    public void ChangeRole(MemberRole role) => Role = role;

    public void SetNotifications(NotificationLevel level) => Notifications = level;

}

internal sealed class ConversationMemberConfiguration : IEntityTypeConfiguration<ConversationMember>
{
    public void Configure(EntityTypeBuilder<ConversationMember> e)
    {
        e.HasKey(m => new { m.ConversationId, m.UserId });
        e.HasIndex(m => m.UserId);
        e.HasOne(m => m.Conversation).WithMany().HasForeignKey(m => m.ConversationId);
        e.HasOne<Accounts.User>().WithMany().HasForeignKey(m => m.UserId);
    }
}
