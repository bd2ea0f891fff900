using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Organizations;

namespace Parley.Server.Features.Scim;

/// <summary>
/// A bearer token a directory (Entra ID, Okta…) provisions one organization with. Shown once when made; the database
/// keeps only its SHA-256 (<see cref="Platform.Secrets.Hash"/>), as for sessions. Revoking it stops it on its next request.
/// </summary>
public sealed class ScimToken
{
    public const int MaxNameLength = 80;

    private ScimToken() { }

    public ScimToken(Guid organizationId, string name, string tokenHash, Guid createdBy, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        Name = name;
        TokenHash = tokenHash;
        CreatedBy = createdBy;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }

    /// <summary>What the admin called it, such as "Entra ID": tells tokens apart in the list and the audit log.</summary>
    public string Name { get; private set; } = "";
    public string TokenHash { get; private set; } = "";
    public Guid CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;
}

/// <summary>
/// What a directory says about one account beyond what <see cref="User"/> holds: its userName (the directory's sign-in
/// name, which need not be the email), its own id for the person (externalId) and the parts of the name. An account
/// without this row shows its email as its userName.
/// </summary>
public sealed class ScimIdentity
{
    public const int MaxUserNameLength = 254, MaxExternalIdLength = 256, MaxNamePartLength = 80;

    private ScimIdentity() { }

    public ScimIdentity(User user, DateTimeOffset now)
    {
        UserId = user.Id;
        OrganizationId = user.OrganizationId;
        UserName = user.Email;
        NormalizedUserName = User.Normalize(user.Email);
        LastModified = now;
    }

    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string UserName { get; private set; } = "";
    public string NormalizedUserName { get; private set; } = "";
    public string? ExternalId { get; private set; }
    public string? GivenName { get; private set; }
    public string? FamilyName { get; private set; }
    public string? FormattedName { get; private set; }
    public DateTimeOffset LastModified { get; private set; }

    /// <summary>
    /// When the directory deleted the account (RFC 7644 §3.6). Parley deactivates it and keeps it and everything it wrote;
    /// SCIM answers 404 for it from then on, until the directory creates the same person again.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; private set; }

    public void Delete(DateTimeOffset now) => DeletedAt = LastModified = now;

    public void Restore(DateTimeOffset now)
    {
        DeletedAt = null;
        LastModified = now;
    }

    public void Set(string userName, string? externalId, string? givenName, string? familyName, string? formatted, DateTimeOffset now)
    {
        UserName = userName;
        NormalizedUserName = User.Normalize(userName);
        ExternalId = externalId;
        GivenName = givenName;
        FamilyName = familyName;
        FormattedName = formatted;
        LastModified = now;
    }
}

/// <summary>
/// A directory group, with its members. Kept as the directory's fact only: it makes no conversation, so that a
/// licensing or security group does not become a channel nobody asked for.
/// </summary>
public sealed class ScimGroup
{
    public const int MaxDisplayNameLength = 256;

    private ScimGroup() { }

    public ScimGroup(Guid organizationId, string displayName, string? externalId, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        CreatedAt = now;
        Set(displayName, externalId, now);
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string DisplayName { get; private set; } = "";
    public string NormalizedDisplayName { get; private set; } = "";
    public string? ExternalId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset LastModified { get; private set; }

    public void Set(string displayName, string? externalId, DateTimeOffset now)
    {
        DisplayName = displayName;
        NormalizedDisplayName = User.Normalize(displayName);
        ExternalId = externalId;
        Touch(now);
    }

    public void Touch(DateTimeOffset now) => LastModified = now;
}

public sealed class ScimGroupMember
{
    private ScimGroupMember() { }

    public ScimGroupMember(Guid groupId, Guid userId)
    {
        GroupId = groupId;
        UserId = userId;
    }

    public Guid GroupId { get; private set; }
    public Guid UserId { get; private set; }
}

internal sealed class ScimTokenConfiguration : IEntityTypeConfiguration<ScimToken>
{
    public void Configure(EntityTypeBuilder<ScimToken> e)
    {
        e.Property(t => t.Name).HasMaxLength(ScimToken.MaxNameLength);
        e.Property(t => t.TokenHash).HasMaxLength(64);
        e.HasIndex(t => t.TokenHash).IsUnique();
        e.HasIndex(t => t.OrganizationId);
        e.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId);
    }
}

internal sealed class ScimIdentityConfiguration : IEntityTypeConfiguration<ScimIdentity>
{
    public void Configure(EntityTypeBuilder<ScimIdentity> e)
    {
        e.HasKey(i => i.UserId);
        e.Property(i => i.UserName).HasMaxLength(ScimIdentity.MaxUserNameLength);
        e.Property(i => i.NormalizedUserName).HasMaxLength(ScimIdentity.MaxUserNameLength);
        e.Property(i => i.ExternalId).HasMaxLength(ScimIdentity.MaxExternalIdLength);
        e.Property(i => i.GivenName).HasMaxLength(ScimIdentity.MaxNamePartLength);
        e.Property(i => i.FamilyName).HasMaxLength(ScimIdentity.MaxNamePartLength);
        e.Property(i => i.FormattedName).HasMaxLength(ScimIdentity.MaxNamePartLength);
        e.HasIndex(i => new { i.OrganizationId, i.NormalizedUserName }).IsUnique();
        e.HasIndex(i => new { i.OrganizationId, i.ExternalId });
        e.HasOne<User>().WithOne().HasForeignKey<ScimIdentity>(i => i.UserId);
    }
}

internal sealed class ScimGroupConfiguration : IEntityTypeConfiguration<ScimGroup>
{
    public void Configure(EntityTypeBuilder<ScimGroup> e)
    {
        e.Property(g => g.DisplayName).HasMaxLength(ScimGroup.MaxDisplayNameLength);
        e.Property(g => g.NormalizedDisplayName).HasMaxLength(ScimGroup.MaxDisplayNameLength);
        e.Property(g => g.ExternalId).HasMaxLength(ScimIdentity.MaxExternalIdLength);
        e.HasIndex(g => new { g.OrganizationId, g.NormalizedDisplayName }).IsUnique();
        e.HasOne<Organization>().WithMany().HasForeignKey(g => g.OrganizationId);
    }
}

internal sealed class ScimGroupMemberConfiguration : IEntityTypeConfiguration<ScimGroupMember>
{
    public void Configure(EntityTypeBuilder<ScimGroupMember> e)
    {
        e.HasKey(m => new { m.GroupId, m.UserId });
        e.HasIndex(m => m.UserId);
        e.HasOne<ScimGroup>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(m => m.UserId);
    }
}
