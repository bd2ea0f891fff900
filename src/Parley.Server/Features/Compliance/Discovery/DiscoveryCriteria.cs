using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Messages;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>
/// What an eDiscovery search or export looks for. A message matches when it meets every criterion given: sent by one of
/// <see cref="SenderIds"/>, in one of <see cref="ConversationIds"/>, sent within [<see cref="From"/>, <see cref="To"/>),
/// with one of <see cref="Words"/> in any recorded version of its text, with files or without (<see cref="HasFile"/>).
/// </summary>
public sealed record DiscoveryCriteria
{
    public const int MaxItems = 500, MaxWordLength = 100;

    public List<Guid>? SenderIds { get; init; }
    public List<long>? ConversationIds { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>Any one of them, case- and accent-insensitive, anywhere in any version of the text ("resume" finds "Résumé").</summary>
    public List<string>? Words { get; init; }
    public bool? HasFile { get; init; }

    [JsonIgnore]
    public bool IsEmpty => (SenderIds ?? []).Count == 0 && (ConversationIds ?? []).Count == 0 && From is null && To is null
        && (Words ?? []).Count == 0 && HasFile is null;

    /// <summary>The criteria of a legal hold: exactly the messages it covers.</summary>
    public static DiscoveryCriteria Of(LegalHold hold) => new()
    {
        SenderIds = [.. hold.Custodians], ConversationIds = [.. hold.Conversations], From = hold.From, To = hold.To, Words = [.. hold.Words],
    };

    /// <summary>The criteria cleaned (ids once, words trimmed), or the problem that says what is wrong with them.</summary>
    public async Task<(DiscoveryCriteria? Clean, ProblemHttpResult? Problem)> ValidateAsync(ParleyDb db, Guid organizationId, bool allowEmpty,
        CancellationToken ct)
    {
        var senders = (SenderIds ?? []).Distinct().ToList();
        var conversations = (ConversationIds ?? []).Distinct().ToList();
        var words = (Words ?? []).Select(w => w?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (!allowEmpty && IsEmpty)
            return (null, Problems.BadRequest("search-criteria-empty",
                "Give at least one criterion: people, conversations, a date, words or whether messages have files."));
        if (senders.Count > MaxItems || conversations.Count > MaxItems || words.Count > MaxItems)
            return (null, Problems.BadRequest("search-too-large", $"A search names at most {MaxItems} people, conversations and words each."));
        if (From is { } f && To is { } t && f >= t)
            return (null, Problems.BadRequest("search-range-invalid", "The start of the date range must come before its end."));
        if (words.Any(w => w.Length is 0 or > MaxWordLength || w.Any(char.IsControl)))
            return (null, Problems.BadRequest("search-word-invalid", $"Each word is 1 to {MaxWordLength} characters."));
        // Another organization's ids look exactly like ids that do not exist.
        if (await db.Users.CountAsync(u => u.OrganizationId == organizationId && senders.Contains(u.Id), ct) != senders.Count)
            return (null, Problems.BadRequest("search-person-unknown", "Some people are not people of your organization."));
        if (await db.Conversations.CountAsync(c => c.OrganizationId == organizationId && conversations.Contains(c.Id), ct) != conversations.Count)
            return (null, Problems.BadRequest("search-conversation-unknown", "Some conversations are not conversations of your organization."));
        return (this with { SenderIds = senders, ConversationIds = conversations, Words = words }, null);
    }

    /// <summary>The organization's messages that meet every criterion the database can check (all but the words), in id order.</summary>
    public IQueryable<Message> Query(ParleyDb db, Guid organizationId)
    {
        var senders = SenderIds ?? [];
        var conversations = ConversationIds ?? [];
        var messages = db.Messages.AsNoTracking().Where(m => m.OrganizationId == organizationId);
        if (senders.Count > 0)
            messages = messages.Where(m => senders.Contains(m.SenderId));
        if (conversations.Count > 0)
            messages = messages.Where(m => conversations.Contains(m.ConversationId));
        if (From is { } from)
            messages = messages.Where(m => m.CreatedAt >= from);
        if (To is { } to)
            messages = messages.Where(m => m.CreatedAt < to);
        if (HasFile is { } hasFile)
            messages = messages.Where(m => db.Files.Any(f => f.MessageId == m.Id) == hasFile);
        return messages.OrderBy(m => m.Id);
    }

    /// <summary>True when no words were asked for, or one of them is in one of the texts.</summary>
    public bool MatchesWords(IEnumerable<string?> texts) =>
        (Words ?? []) is not { Count: > 0 } words || texts.Any(text => text is not null && words.Any(word => Contains(text, word)));

    /// <summary>The same rule as legal holds: case- and accent-insensitive (French and English alike).</summary>
    public static bool Contains(string text, string word) =>
        CultureInfo.InvariantCulture.CompareInfo.IndexOf(text, word, CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace) >= 0;
}
