using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;

namespace Parley.Server.Realtime;

/// <summary>
/// Events the server pushes on <c>/hubs/events</c>. They are hints: every one can be recovered over HTTP, and a
/// client that reconnects reads <c>/api/v1/conversations/{id}/changes?after={position}</c> to fill any gap.
/// </summary>
public interface IParleyClient
{
    Task MessageCreated(MessageDto message);
    Task MessageEdited(MessageDto message);
    Task MessageDeleted(MessageDto message);
    Task ReactionChanged(MessageDto message);

    /// <summary>A message was pinned to its conversation or unpinned: <c>pinnedAt</c> says which.</summary>
    Task PinChanged(MessageDto message);
    Task ConversationChanged(ConversationDto conversation);
    Task MembershipChanged(MembershipChangedDto change);
    Task ReadPositionChanged(ReadPositionDto position);
    Task Typing(TypingDto typing);
    Task PresenceChanged(PresenceDto presence);

    /// <summary>
    /// Someone's name, title, pronouns, time zone, avatar or custom status changed; sent to those who hear their presence,
    /// and to their own other devices. A status that ends is not announced: clients hide it at its <c>expiresAt</c>.
    /// </summary>
    Task ProfileChanged(UserDto user);
}

/// <param name="Change">added, removed or role.</param>
public sealed record MembershipChangedDto(long ConversationId, Guid UserId, string Change, string? Role, Guid? ByUserId);

public sealed record ReadPositionDto(long ConversationId, long LastReadSeq);

public sealed record TypingDto(long ConversationId, Guid UserId);

public sealed record PresenceDto(Guid UserId, bool Online);
