namespace Parley.Server.Features.Conversations;

/// <summary>A conversation as one user sees it.</summary>
/// <param name="LastMessageSeq">Seq of the newest message; with <c>LastReadSeq</c> it places the unread line.</param>
/// <param name="Notifications">The caller's choice for this conversation: <c>all</c>, <c>mentions</c> or <c>muted</c>; null when not a member.</param>
/// <param name="Position">Record index of the newest change; catch up with <c>/changes?after=</c>.</param>
public sealed record ConversationDto(
    long Id, string Kind, string? Name, string? Topic, bool Archived, DateTimeOffset CreatedAt, Guid CreatedBy,
    long LastMessageSeq, long Position, bool IsMember, string? MyRole, long LastReadSeq, int Unread, int UnreadMentions,
    IReadOnlyList<Guid>? MemberIds, string? Notifications = null);

public sealed record MemberDto(Guid UserId, string DisplayName, string Handle, string Role, DateTimeOffset JoinedAt);

public static class ConversationDtos
{
    public static string KindName(ConversationKind kind) => kind switch
    {
        ConversationKind.PublicChannel => "public",
        ConversationKind.PrivateChannel => "private",
        ConversationKind.Direct => "direct",
        _ => "group",
    };

    public static string RoleName(MemberRole role) => role.ToString().ToLowerInvariant();

    public static ConversationDto ToDto(this Conversation c, ConversationMember? me, int unread = 0, int mentions = 0, IReadOnlyList<Guid>? memberIds = null) =>
        new(c.Id, KindName(c.Kind), c.Name, c.Topic, c.IsArchived, c.CreatedAt, c.CreatedBy, c.LastMessageSeq, c.LastEntryIndex,
            me is not null, me is null ? null : RoleName(me.Role), me?.LastReadSeq ?? 0, unread, mentions, memberIds,
            me is null ? null : Notifications.NotificationLevels.Name(me.Notifications));
}
