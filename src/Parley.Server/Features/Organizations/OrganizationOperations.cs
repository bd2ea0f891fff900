using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Organizations;

public sealed record OrganizationDto(Guid Id, string Name, DateTimeOffset CreatedAt);

/// <param name="OwnerInvite">The single-use link for the new organization's first owner.</param>
public sealed record CreatedOrganizationDto(OrganizationDto Organization, InviteDto OwnerInvite);

public static class CompleteSetup
{
    public sealed record Request
    {
        [Required, StringLength(100), UserText.Verbatim] public string Token { get; init; } = "";
        [Required, StringLength(Features.Organizations.Organization.MaxNameLength, MinimumLength = 1)] public string Organization { get; init; } = "";
        [Required, StringLength(User.MaxEmailLength)] public string Email { get; init; } = "";
        [Required, StringLength(User.MaxNameLength, MinimumLength = 1)] public string DisplayName { get; init; } = "";
        [Required, StringLength(PasswordOptions.MaxLength, MinimumLength = PasswordOptions.MinLength), UserText.Verbatim] public string Password { get; init; } = "";
    }

    public static async Task<Results<Created<UserDto>, ProblemHttpResult>> HandleAsync(
        Request request, ParleyDb db, PasswordHasher passwords, SetupToken setup, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        Features.Organizations.Organization.ValidName(request.Organization);
        User.ValidEmail(request.Email);
        User.ValidDisplayName(request.DisplayName);
        if (await db.Organizations.AnyAsync(ct) || !setup.Redeem(request.Token))
            return Problems.Of(404, "setup-unavailable", "Setup is done or this setup link is not valid. Sign in instead.");
        var owner = await Bootstrap.CreateFirstAsync(db, passwords, clock.GetUtcNow(), request.Organization, request.Email,
            request.DisplayName, request.Password, http.ClientAddress(), ct);
        return TypedResults.Created("/api/v1/users/me", owner.ToDto(clock.GetUtcNow()));
    }
}

public static class CreateOrganization
{
    public sealed record Request
    {
        [Required, StringLength(Organization.MaxNameLength, MinimumLength = 1)] public string Name { get; init; } = "";
        [Required, StringLength(User.MaxEmailLength)] public string OwnerEmail { get; init; } = "";
    }

    /// <summary>Operators only: a new tenant, and an invite for its first owner.</summary>
    public static async Task<Results<Created<CreatedOrganizationDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var (org, invite, token) = await CreateAsync(db, request.Name, request.OwnerEmail, me.Id, me.OrganizationId, http.ClientAddress(),
            clock.GetUtcNow(), ct);
        var link = $"{http.Request.Scheme}://{http.Request.Host}/invite#{token}";
        return TypedResults.Created($"/api/v1/organization",
            new CreatedOrganizationDto(new OrganizationDto(org.Id, org.Name, org.CreatedAt),
                new InviteDto(invite.Id, invite.Email, "owner", invite.ExpiresAt, token, link)));
    }

    /// <summary>
    /// A new tenant and a single-use invite for its first owner, audited as done by <paramref name="by"/>, an operator of
    /// <paramref name="byOperatorOf"/> (both null from the command line, run by whoever runs the deployment). Returns the
    /// invite's token, shown once.
    /// </summary>
    public static async Task<(Organization Organization, Invite Invite, string Token)> CreateAsync(ParleyDb db, string name, string ownerEmail,
        Guid? by, Guid? byOperatorOf, string? address, DateTimeOffset now, CancellationToken ct)
    {
        var org = new Organization(name, now);
        var email = User.ValidEmail(ownerEmail);
        // No check against other organizations' people: the same email may hold an account in each (Slack's model).

        var token = Secrets.NewToken();
        var invite = new Invite(org.Id, email, OrgRole.Owner, Secrets.Hash(token), null, now, InviteUser.ValidFor);
        db.Organizations.Add(org);
        db.Invites.Add(invite);

        // One transaction: the organization row is saved first (its audit chain head lives on it), then its events.
        await using var tx = await db.BeginWriteAsync(ct);
        await db.SaveChangesAsync(ct);
        await db.AuditAsync(org.Id, AuditAction.OrganizationCreated, by, "organization", org.Id.ToString(),
            by is null ? (object)new { name = org.Name, commandLine = true } : new { name = org.Name, byOperatorOf }, address, now, ct);
        await db.AuditAsync(org.Id, AuditAction.UserInvited, by, "invite", invite.Id.ToString(),
            new { role = AccountDtos.RoleName(OrgRole.Owner) }, address, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (org, invite, token);
    }
}

public static class GetOrganization
{
    public static async Task<Ok<OrganizationDto>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var org = await db.Organizations.SingleAsync(o => o.Id == me.OrganizationId, ct);
        return TypedResults.Ok(new OrganizationDto(org.Id, org.Name, org.CreatedAt));
    }
}

public static class RenameOrganization
{
    public sealed record Request
    {
        [Required, StringLength(Organization.MaxNameLength, MinimumLength = 1)] public string Name { get; init; } = "";
    }

    public static async Task<Results<Ok<OrganizationDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageOrganization))
            return Problems.Forbidden("admin-only", "Only admins can change organization settings.");
        var org = await db.Organizations.SingleAsync(o => o.Id == me.OrganizationId, ct);
        var before = org.Name;
        org.Rename(request.Name);
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.OrganizationSettingsChanged, "organization", org.Id.ToString(),
            new { setting = "name", before, after = org.Name }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new OrganizationDto(org.Id, org.Name, org.CreatedAt));
    }
}
