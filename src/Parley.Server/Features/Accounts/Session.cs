using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

/// <summary>How long a session lasts. Section "Parley:Sessions".</summary>
public sealed class SessionLifetimeOptions
{
    public const string Section = "Parley:Sessions";

    /// <summary>A session ends this long after its sign-in, however much it is used.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")] public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>A session ends when it has not been used for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")] public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How stale a session's recorded last use may get before a request writes it again: a write per session every few
    /// minutes at most, not one per request, and fine enough for the idle timeout.
    /// </summary>
    public TimeSpan SeenResolution => IdleTimeout / 10 < TimeSpan.FromMinutes(5) ? IdleTimeout / 10 : TimeSpan.FromMinutes(5);

    public bool IsExpired(DateTimeOffset createdAt, DateTimeOffset lastSeenAt, DateTimeOffset now) =>
        now - createdAt >= Lifetime || now - lastSeenAt >= IdleTimeout;

    /// <summary>These limits, or the organization's shorter ones (its policies; null: none of its own).</summary>
    public SessionLifetimeOptions Within(TimeSpan? lifetime, TimeSpan? idleTimeout) =>
        lifetime is null && idleTimeout is null ? this : new SessionLifetimeOptions
        {
            Lifetime = lifetime < Lifetime ? lifetime.Value : Lifetime,
            IdleTimeout = idleTimeout < IdleTimeout ? idleTimeout.Value : IdleTimeout,
        };
}

/// <summary>
/// One signed-in device. The bearer token is never stored, only its hash. It ends when revoked, when its user is
/// deactivated, or when it expires (<see cref="SessionLifetimeOptions"/>).
/// </summary>
public sealed class Session
{
    public const int MaxDeviceNameLength = 100;

    private Session() { }

    public Session(User user, string deviceName, string tokenHash, string? address, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = user.OrganizationId;
        UserId = user.Id;
        DeviceName = ValidDeviceName(deviceName);
        TokenHash = tokenHash;
        Address = address;
        CreatedAt = LastSeenAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public Guid UserId { get; private set; }
    public string DeviceName { get; private set; } = "";
    public string TokenHash { get; private set; } = "";
    public string? Address { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    public static string ValidDeviceName(string name) =>
        (name is null ? null : UserText.Name(name).Trim()) is { Length: > 0 and <= MaxDeviceNameLength } n && !n.Any(char.IsControl)
            ? n
            : throw new DomainException("device-name-invalid", $"Device names are 1 to {MaxDeviceNameLength} characters.", 400);
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Session>
{
    public void Configure(EntityTypeBuilder<Session> e)
    {
        e.Property(s => s.DeviceName).HasMaxLength(Session.MaxDeviceNameLength);
        e.Property(s => s.TokenHash).HasMaxLength(64);
        e.Property(s => s.Address).HasMaxLength(64);
        e.HasIndex(s => s.TokenHash).IsUnique();
        e.HasIndex(s => new { s.UserId, s.RevokedAt });
        e.HasOne<User>().WithMany().HasForeignKey(s => s.UserId);
    }
}
