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
    Task ConversationChanged(ConversationDto conversation);
    Task MembershipChanged(MembershipChangedDto change);
    Task ReadPositionChanged(ReadPositionDto position);
    Task Typing(TypingDto typing);
    Task PresenceChanged(PresenceDto presence);
}

/// <param name="Change">added, removed or role.</param>
public sealed record MembershipChangedDto(long ConversationId, Guid UserId, string Change, string? Role, Guid? ByUserId);

public sealed record ReadPositionDto(long ConversationId, long LastReadSeq);

public sealed record TypingDto(long ConversationId, Guid UserId);

public sealed record PresenceDto(Guid UserId, bool Online);
