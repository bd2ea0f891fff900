using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

/// <summary>
/// Stored as numbers: never renumber. A role is a named set of capabilities (Features/Governance/Capabilities.cs); code asks
/// for a capability, never compares roles. A manager is a member who also sees the people of their unit.
/// </summary>
public enum OrgRole { Guest = 0, Compliance = 5, Member = 10, Manager = 15, Admin = 20, Owner = 30 }

/// <summary>
/// An account owned by the organization. Identity is the company email, never a phone number.
/// A deactivated user keeps every row they wrote; they just can't sign in.
/// </summary>
public sealed partial class User
{
    public const int MaxNameLength = 80, MaxEmailLength = 254, MaxHandleLength = 32;

    private User() { }

    public User(Guid organizationId, string email, string displayName, string handle, OrgRole role, string passwordHash, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        Email = ValidEmail(email);
        NormalizedEmail = Normalize(Email);
        DisplayName = ValidDisplayName(displayName);
        Handle = handle;
        Role = role;
        PasswordHash = passwordHash;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Email { get; private set; } = "";
    public string NormalizedEmail { get; private set; } = "";
    public string DisplayName { get; private set; } = "";

    /// <summary>What others type after @ to mention this person; unique within the organization.</summary>
    public string Handle { get; private set; } = "";
    public OrgRole Role { get; private set; }
    public string PasswordHash { get; private set; } = "";

    /// <summary>May create organizations on this deployment. Only the bootstrap owner has it at first.</summary>
    public bool IsOperator { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DeactivatedAt { get; private set; }

    public bool IsActive => DeactivatedAt is null;

    public void MakeOperator() => IsOperator = true;
    public void ChangeRole(OrgRole role) => Role = role;
    public void SetPasswordHash(string hash) => PasswordHash = hash;
    public void Rename(string displayName) => DisplayName = ValidDisplayName(displayName);

    /// <summary>
    /// Replaces what identifies the person with a pseudonym (a GDPR erasure) and makes the password unusable. The id stays,
    /// so the record still names one account, which no longer says whose it was.
    /// </summary>
    public void Pseudonymise(string displayName, string email, string handle)
    {
        DisplayName = displayName;
        Email = email;
        NormalizedEmail = Normalize(email);
        Handle = handle;
        PasswordHash = "";
    }

    public void Deactivate(DateTimeOffset now)
    {
        if (DeactivatedAt is not null)
            throw new DomainException("user-already-deactivated", "This user is already deactivated.", 409);
        DeactivatedAt = now;
    }

    /// <summary>Lets a deactivated person sign in again (their directory assigned them back); their old sessions stay ended.</summary>
    public void Reactivate() => DeactivatedAt = null;

    /// <summary>A new address for the account, as the directory says; the caller checks nobody else in the organization has it.</summary>
    public void ChangeEmail(string email)
    {
        Email = ValidEmail(email);
        NormalizedEmail = Normalize(Email);
    }

    public static string Normalize(string email) => email.Trim().ToUpperInvariant();

    /// <summary>An address as typed, in NFC; refused with anything invisible in it (format characters, controls).</summary>
    public static string ValidEmail(string email)
    {
        if (email?.Trim() is { Length: > 2 and <= MaxEmailLength } e && UserText.Refused(e) is null &&
            UserText.Name(e) is var shown && shown == e.Normalize(System.Text.NormalizationForm.FormC) && EmailShape().IsMatch(shown))
            return shown;
        throw new DomainException("email-invalid", "Give an email address like name@example.com.", 400);
    }

    public static string ValidDisplayName(string name) =>
        name is null ? Invalid() : UserText.Name(name).Trim() is { Length: > 0 and <= MaxNameLength } n && !n.Any(char.IsControl)
            ? n
            : Invalid();

    private static string Invalid() =>
        throw new DomainException("display-name-invalid", $"Names are 1 to {MaxNameLength} characters without control characters.", 400);

    /// <summary>A handle proposal from an email's local part: lower case letters, digits, dot, dash, underscore.</summary>
    public static string HandleFrom(string email)
    {
        var local = email.Split('@')[0].ToLowerInvariant();
        var cleaned = new string(local.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').ToArray()).Trim('.');
        cleaned = cleaned.Length == 0 ? "user" : cleaned;
        return cleaned.Length > MaxHandleLength - 4 ? cleaned[..(MaxHandleLength - 4)] : cleaned;
    }

    [GeneratedRegex(@"^[^@\s<>""]+@[^@\s<>""]+\.[^@\s<>""]+$")]
    private static partial Regex EmailShape();
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> e)
    {
        e.Property(u => u.Email).HasMaxLength(User.MaxEmailLength);
        e.Property(u => u.NormalizedEmail).HasMaxLength(User.MaxEmailLength);
        e.Property(u => u.DisplayName).HasMaxLength(User.MaxNameLength);
        e.Property(u => u.Handle).HasMaxLength(User.MaxHandleLength);
        e.Property(u => u.PasswordHash).HasMaxLength(200);
        // One account per email in an organization; the same person may have one in each of several organizations.
        e.HasIndex(u => new { u.OrganizationId, u.NormalizedEmail }).IsUnique();
        e.HasIndex(u => u.NormalizedEmail);
        e.HasIndex(u => new { u.OrganizationId, u.Handle }).IsUnique();
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(u => u.OrganizationId);
    }
}
