using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

/// <summary>A single-use link that lets one person create their account in the organization, until it expires.</summary>
public sealed class Invite
{
    private Invite() { }

    public Invite(Guid organizationId, string email, OrgRole role, string tokenHash, Guid? invitedBy, DateTimeOffset now, TimeSpan validFor)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        Email = User.ValidEmail(email);
        Role = role;
        TokenHash = tokenHash;
        InvitedBy = invitedBy;
        CreatedAt = now;
        ExpiresAt = now + validFor;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Email { get; private set; } = "";
    public OrgRole Role { get; private set; }
    public string TokenHash { get; private set; } = "";
    public Guid? InvitedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }
    public Guid? UsedBy { get; private set; }

    public void Use(Guid userId, DateTimeOffset now)
    {
        if (UsedAt is not null)
            throw new DomainException("invite-used", "This invite link was already used. Ask an admin for a new one.", 410);
        if (now >= ExpiresAt)
            throw new DomainException("invite-expired", "This invite link has expired. Ask an admin for a new one.", 410);
        UsedAt = now;
        UsedBy = userId;
    }
}

internal sealed class InviteConfiguration : IEntityTypeConfiguration<Invite>
{
    public void Configure(EntityTypeBuilder<Invite> e)
    {
        e.Property(i => i.Email).HasMaxLength(User.MaxEmailLength);
        e.Property(i => i.TokenHash).HasMaxLength(64);
        e.HasIndex(i => i.TokenHash).IsUnique();
        e.HasIndex(i => i.OrganizationId);
    }
}
