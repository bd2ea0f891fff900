using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

/// <summary>What a person says about themselves: title, pronouns, time zone, avatar and a custom status.</summary>
public sealed partial class User
{
    public const int MaxTitleLength = 80, MaxPronounsLength = 40, MaxTimeZoneLength = 64, MaxStatusLength = 100, MaxStatusEmojiLength = 16;

    public string? Title { get; private set; }
    public string? Pronouns { get; private set; }

    /// <summary>An IANA time zone name such as <c>Europe/Paris</c>.</summary>
    public string? TimeZone { get; private set; }

    /// <summary>When the avatar was last set; null when the person has none (clients then draw initials).</summary>
    public DateTimeOffset? AvatarUpdatedAt { get; private set; }

    public string? StatusText { get; private set; }
    public string? StatusEmoji { get; private set; }

    /// <summary>After this the status is no longer shown; null keeps it until it is cleared.</summary>
    public DateTimeOffset? StatusExpiresAt { get; private set; }

    public void ChangeTitle(string? title) => Title = ValidTitle(title);

    /// <summary>A title cleaned as a name, or null for none; refused when too long or with control characters.</summary>
    public static string? ValidTitle(string? title) => Optional(title, MaxTitleLength, "title-invalid", "Titles");
    public void ChangePronouns(string? pronouns) => Pronouns = Optional(pronouns, MaxPronounsLength, "pronouns-invalid", "Pronouns");
    public void ChangeTimeZone(string? timeZone) => TimeZone = ValidTimeZone(timeZone);
    public void AvatarChanged(DateTimeOffset? at) => AvatarUpdatedAt = at;

    public void SetStatus(string? text, string? emoji, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        var cleanText = Optional(text, MaxStatusLength, "status-invalid", "Statuses");
        var cleanEmoji = ValidEmoji(emoji);
        if (cleanText is null && cleanEmoji is null)
            throw new DomainException("status-invalid", "A status has a text, an emoji or both. To clear it, delete it.", 400);
        if (expiresAt is { } end && end <= now)
            throw new DomainException("status-expiry-invalid", "The status must end in the future.", 400);
        (StatusText, StatusEmoji, StatusExpiresAt) = (cleanText, cleanEmoji, expiresAt);
    }

    public void ClearStatus() => (StatusText, StatusEmoji, StatusExpiresAt) = (null, null, null);

    /// <summary>The status as it stands at <paramref name="now"/>: an expired one is no status.</summary>
    public bool HasStatusAt(DateTimeOffset now) =>
        (StatusText is not null || StatusEmoji is not null) && (StatusExpiresAt is null || StatusExpiresAt > now);

    /// <summary>An IANA name this server knows (<c>Europe/Paris</c>, <c>UTC</c>), or null to say none; Windows names are refused.</summary>
    public static string? ValidTimeZone(string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
            return null;
        var name = timeZone.Trim();
        if (name.Length <= MaxTimeZoneLength && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) && zone.HasIanaId)
            return name;
        throw new DomainException("time-zone-invalid", "Give an IANA time zone name such as Europe/Paris or America/New_York.", 400);
    }

    // Not cleaned as a name: joiners (U+200D) are format characters, and they hold emoji such as 👩‍💻 together.
    private static string? ValidEmoji(string? emoji)
    {
        if (string.IsNullOrWhiteSpace(emoji))
            return null;
        var e = emoji.Trim();
        if (e.Length > MaxStatusEmojiLength || UserText.Refused(e) is not null || e.Any(c => char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || char.IsControl(c))
            || e.Normalize(System.Text.NormalizationForm.FormC) != e)
            throw new DomainException("status-emoji-invalid", "The status emoji is one emoji, not text.", 400);
        return e;
    }

    private static string? Optional(string? value, int max, string code, string what)
    {
        if (value is null)
            return null;
        var clean = UserText.Name(value).Trim();
        if (clean.Length == 0)
            return null;
        if (clean.Length > max || clean.Any(char.IsControl))
            throw new DomainException(code, $"{what} are at most {max} characters without control characters.", 400);
        return clean;
    }
}
