using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Organizations;

namespace Parley.Server.Features.Sso;

/// <summary>What happens when someone signs in through the provider and no account is linked to them yet.</summary>
public enum JustInTimeRule
{
    /// <summary>Link the account with the same verified email; refuse when there is none.</summary>
    MatchVerifiedEmail = 0,

    /// <summary>Link the account with the same verified email, or create one (as a member, or the mapped role).</summary>
    CreateAccounts = 1,
}

/// <summary>
/// An organization's OpenID Connect provider: at most one per organization. The client secret is kept encrypted with
/// ASP.NET Core Data Protection (<see cref="OidcProtocol"/>) and never leaves the server.
/// </summary>
public sealed class OidcProvider
{
    public const int MaxUrlLength = 500, MaxNameLength = 60, MaxClaimLength = 100, MaxScopesLength = 500, MaxDomainsLength = 2000,
        MaxClientIdLength = 200, MaxRoleValuesLength = 1000;

    private OidcProvider() { }

    public OidcProvider(Guid organizationId, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        CreatedAt = UpdatedAt = now;
    }

    public Guid OrganizationId { get; private set; }

    /// <summary>Shown on the button: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>The issuer: the discovery document is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string ProtectedClientSecret { get; set; } = "";

    /// <summary>Space-separated; <c>openid</c> is always sent.</summary>
    public string Scopes { get; set; } = "";
    public string NameClaim { get; set; } = "";
    public string EmailClaim { get; set; } = "";

    /// <summary>The claim that says the email was verified by the provider (<c>email_verified</c>; Entra ID: <c>xms_edov</c>).</summary>
    public string EmailVerifiedClaim { get; set; } = "";

    /// <summary>Empty: roles are not mapped, and new accounts are members.</summary>
    public string RoleClaim { get; set; } = "";

    /// <summary>One per line: values of the role claim that make an admin, or a guest. Anything else makes a member.</summary>
    public string AdminRoleValues { get; set; } = "";
    public string GuestRoleValues { get; set; } = "";
    public JustInTimeRule JustInTime { get; set; }

    /// <summary>Space-separated, lower case. Only these email domains are matched or created.</summary>
    public string AllowedDomains { get; set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public IReadOnlyList<string> DomainList => Split(AllowedDomains);

    public bool AllowsEmail(string email)
    {
        var at = email.LastIndexOf('@');
        return at > 0 && DomainList.Contains(email[(at + 1)..].Trim().ToLowerInvariant());
    }

    /// <summary>The role the claim's values give, or null when roles are not mapped. Never owner: owners are made in Parley.</summary>
    public OrgRole? RoleFrom(IReadOnlyCollection<string> values) =>
        RoleClaim.Length == 0 ? null
        : values.Any(v => Lines(AdminRoleValues).Contains(v)) ? OrgRole.Admin
        : values.Any(v => Lines(GuestRoleValues).Contains(v)) ? OrgRole.Guest
        : OrgRole.Member;

    public static IReadOnlyList<string> Split(string list) => list.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Role values are kept one per line: group names (Okta, Keycloak) may hold spaces.</summary>
    public static IReadOnlyList<string> Lines(string list) => list.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// Who a provider's subject is in Parley: written at their first sign-in, never moved to another account. An account has
/// at most one subject per issuer, so another subject with the same email cannot take it over.
/// </summary>
public sealed class OidcLink
{
    public const int MaxSubjectLength = 255;

    private OidcLink() { }

    public OidcLink(User user, string issuer, string subject, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = user.OrganizationId;
        UserId = user.Id;
        Issuer = issuer;
        Subject = subject;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Issuer { get; private set; } = "";
    public string Subject { get; private set; } = "";
    public Guid UserId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>
/// The end of a provider's sign-in, handed to the web client in the redirect: single use, valid two minutes, exchanged
/// for a session (or a second-factor challenge) like a password. The database keeps only its hash.
/// </summary>
public sealed class SsoTicket
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private SsoTicket() { }

    public SsoTicket(User user, string tokenHash, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = user.OrganizationId;
        UserId = user.Id;
        TokenHash = tokenHash;
        ExpiresAt = now + Lifetime;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public Guid UserId { get; private set; }
    public string TokenHash { get; private set; } = "";
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }
}

internal sealed class OidcProviderConfiguration : IEntityTypeConfiguration<OidcProvider>
{
    public void Configure(EntityTypeBuilder<OidcProvider> e)
    {
        e.HasKey(p => p.OrganizationId);
        e.Property(p => p.DisplayName).HasMaxLength(OidcProvider.MaxNameLength);
        e.Property(p => p.Issuer).HasMaxLength(OidcProvider.MaxUrlLength);
        e.Property(p => p.ClientId).HasMaxLength(OidcProvider.MaxClientIdLength);
        e.Property(p => p.ProtectedClientSecret).HasMaxLength(2000);
        e.Property(p => p.Scopes).HasMaxLength(OidcProvider.MaxScopesLength);
        e.Property(p => p.NameClaim).HasMaxLength(OidcProvider.MaxClaimLength);
        e.Property(p => p.EmailClaim).HasMaxLength(OidcProvider.MaxClaimLength);
        e.Property(p => p.EmailVerifiedClaim).HasMaxLength(OidcProvider.MaxClaimLength);
        e.Property(p => p.RoleClaim).HasMaxLength(OidcProvider.MaxClaimLength);
        e.Property(p => p.AdminRoleValues).HasMaxLength(OidcProvider.MaxRoleValuesLength);
        e.Property(p => p.GuestRoleValues).HasMaxLength(OidcProvider.MaxRoleValuesLength);
        e.Property(p => p.AllowedDomains).HasMaxLength(OidcProvider.MaxDomainsLength);
        e.HasOne<Organization>().WithOne().HasForeignKey<OidcProvider>(p => p.OrganizationId);
    }
}

internal sealed class OidcLinkConfiguration : IEntityTypeConfiguration<OidcLink>
{
    public void Configure(EntityTypeBuilder<OidcLink> e)
    {
        e.Property(l => l.Issuer).HasMaxLength(OidcProvider.MaxUrlLength);
        e.Property(l => l.Subject).HasMaxLength(OidcLink.MaxSubjectLength);
        e.HasIndex(l => new { l.OrganizationId, l.Issuer, l.Subject }).IsUnique();
        e.HasIndex(l => new { l.UserId, l.Issuer }).IsUnique();
        e.HasOne<User>().WithMany().HasForeignKey(l => l.UserId);
    }
}

internal sealed class SsoTicketConfiguration : IEntityTypeConfiguration<SsoTicket>
{
    public void Configure(EntityTypeBuilder<SsoTicket> e)
    {
        e.Property(t => t.TokenHash).HasMaxLength(64);
        e.HasIndex(t => t.TokenHash).IsUnique();
        e.HasOne<User>().WithMany().HasForeignKey(t => t.UserId);
    }
}
