using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;

namespace Parley.Server.Features.Notifications;

/// <summary>Why a person is told about a message. The wire names are the payload's <c>reason</c>.</summary>
public enum PushReason { Direct, Mention, Reply }

/// <summary>A member who could be told: their choice here, and whether they take part in the message's thread.</summary>
public sealed record PushCandidate(Guid UserId, NotificationLevel Level, bool InThread);

/// <summary>Who gets a push about a new message, and why. Pure: the worker reads the facts, this decides.</summary>
public static class PushRules
{
    /// <summary>
    /// Direct and group conversations, mentions of the person (or of the whole channel), replies in threads they started or
    /// replied in. Never the sender; nothing for "muted"; only mentions for "mentions". The candidates are the
    /// conversation's members who may read it: nobody else is ever considered.
    /// </summary>
    public static IEnumerable<(Guid UserId, PushReason Reason)> Recipients(MessageDto message, ConversationKind kind,
        IEnumerable<PushCandidate> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (candidate.UserId == message.SenderId || candidate.Level == NotificationLevel.Muted)
                continue;
            var mentioned = message.MentionsChannel || message.Mentions.Contains(candidate.UserId);
            PushReason? reason = mentioned ? PushReason.Mention
                : kind is ConversationKind.Direct or ConversationKind.Group ? PushReason.Direct
                : message.ThreadRootId is not null && candidate.InThread ? PushReason.Reply
                : null;
            if (reason is { } why && (candidate.Level == NotificationLevel.All || why == PushReason.Mention))
                yield return (candidate.UserId, why);
        }
    }

    public static string Name(PushReason reason) => reason.ToString().ToLowerInvariant();

    /// <summary>A short plain preview: whitespace folded, at most <paramref name="length"/> characters.</summary>
    public static string Preview(MessageDto message, int length = 120)
    {
        var text = string.Join(' ', (message.Content ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length == 0 && message.Attachments.Count > 0)
            text = message.Attachments[0].FileName;
        return text.Length <= length ? text : text[..(length - 1)].TrimEnd() + "…";
    }
}
