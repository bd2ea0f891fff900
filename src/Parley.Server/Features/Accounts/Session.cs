using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

/// <summary>One signed-in device. The bearer token is never stored, only its hash.</summary>
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
