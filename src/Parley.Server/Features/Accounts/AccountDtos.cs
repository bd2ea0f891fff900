namespace Parley.Server.Features.Accounts;

/// <param name="TimeZone">An IANA name such as <c>Europe/Paris</c>, or null.</param>
/// <param name="AvatarUrl">Where to read the picture (with a version, so it can be cached for ever); null: draw initials.</param>
/// <param name="Status">The custom status now; null when there is none or it ended.</param>
public sealed record UserDto(Guid Id, string DisplayName, string Handle, string Email, string Role, bool Active, DateTimeOffset CreatedAt,
    string? Title = null, string? Pronouns = null, string? TimeZone = null, string? AvatarUrl = null, StatusDto? Status = null);

/// <summary>A custom status such as "In a meeting" 📅, shown beside presence until <see cref="ExpiresAt"/> (null: until cleared).</summary>
public sealed record StatusDto(string? Text, string? Emoji, DateTimeOffset? ExpiresAt);

/// <param name="TwoFactorEnrolmentRequired">
/// The organization requires two-factor and this person has not enrolled: until they do, the session reaches only the
/// two-factor enrolment (<c>/api/v1/auth/two-factor</c>), this endpoint and signing out.
/// </param>
public sealed record MeDto(Guid Id, Guid OrganizationId, string OrganizationName, string DisplayName, string Handle, string Email,
    string Role, bool IsOperator, Guid SessionId, bool TwoFactorEnrolmentRequired = false);

public sealed record SessionDto(Guid Id, string DeviceName, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool Current);

/// <param name="Token">The bearer token. It is shown once and stored only as a hash.</param>
public sealed record LoginResultDto(string Token, Guid SessionId, MeDto Me);

/// <param name="Token">Single use. Give it (or <see cref="Link"/>) to the invited person only.</param>
public sealed record InviteDto(Guid Id, string Email, string Role, DateTimeOffset ExpiresAt, string Token, string Link);

public static class AccountDtos
{
    public static string RoleName(OrgRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParseRole(string? role, out OrgRole parsed) =>
        Enum.TryParse(role, ignoreCase: true, out parsed) && Enum.IsDefined(parsed) && !int.TryParse(role, out _);

    /// <param name="now">A status that ended before it is left out.</param>
    public static UserDto ToDto(this User u, DateTimeOffset now) =>
        new(u.Id, u.DisplayName, u.Handle, u.Email, RoleName(u.Role), u.IsActive, u.CreatedAt, u.Title, u.Pronouns, u.TimeZone,
            u.AvatarUpdatedAt is { } at ? $"/api/v1/users/{u.Id}/avatar?v={at.ToUnixTimeMilliseconds()}" : null,
            u.HasStatusAt(now) ? new StatusDto(u.StatusText, u.StatusEmoji, u.StatusExpiresAt) : null);
}
