using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Organizations;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Sso;

/// <summary>
/// Who a proven identity is in the organization: the account linked to its issuer and subject; else, at the first sign-in,
/// the account with the same verified email in an allowed domain, or a new one where the organization creates accounts.
/// The link is then written, so that the subject never matches another person, even if the provider reassigns the email.
/// </summary>
public sealed class OidcAccounts(ParleyDb db, LiveEvents events, TimeProvider clock)
{
    /// <summary>Returns a ticket for <see cref="CompleteSsoSignIn"/>, or throws the refusal (audited by the caller).</summary>
    public async Task<string> SignInAsync(OidcProvider provider, OidcIdentity identity, HttpContext http, CancellationToken ct)
    {
        try
        {
            return await LinkAndTicketAsync(provider, identity, http, ct);
        }
        catch (OidcRefusal)
        {
            // The transaction rolled back; nothing it added may ride along with the refusal's audit event.
            db.ChangeTracker.Clear();
            throw;
        }
    }

    private async Task<string> LinkAndTicketAsync(OidcProvider provider, OidcIdentity identity, HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var address = http.ClientAddress();
        var org = await db.Organizations.SingleAsync(o => o.Id == provider.OrganizationId, ct);
        if (org.SuspendedAt is not null)
            throw new OidcRefusal("oidc-not-available", "The organization is suspended.");

        await using var tx = await db.BeginWriteAsync(ct);
        var link = await db.OidcLinks.SingleOrDefaultAsync(
            l => l.OrganizationId == org.Id && l.Issuer == identity.Issuer && l.Subject == identity.Subject, ct);
        var created = false;
        User? user;
        if (link is not null)
            user = await db.Users.SingleAsync(u => u.Id == link.UserId, ct);
        else
        {
            (user, created) = await MatchOrCreateAsync(provider, org, identity, now, ct);
            db.OidcLinks.Add(new OidcLink(user, identity.Issuer, identity.Subject, now));
            await db.AuditAsync(org.Id, AuditAction.SsoAccountLinked, user.Id, "user", user.Id.ToString(),
                new { issuer = identity.Issuer, subject = identity.Subject, created }, address, now, ct);
        }
        if (!user.IsActive)
            throw new OidcRefusal("oidc-account-deactivated", "This account is deactivated.", user.Id);

        // The provider decides roles where the organization maps them; owners and compliance officers are made in Parley.
        if (!created && provider.RoleFrom(identity.Roles) is { } mapped && user.Role is OrgRole.Guest or OrgRole.Member or OrgRole.Admin
            && mapped != user.Role)
        {
            await db.AuditAsync(org.Id, AuditAction.UserRoleChanged, user.Id, "user", user.Id.ToString(),
                new { before = AccountDtos.RoleName(user.Role), after = AccountDtos.RoleName(mapped), by = "oidc" }, address, now, ct);
            user.ChangeRole(mapped);
        }
        var ticket = Secrets.NewToken();
        db.SsoTickets.Add(new SsoTicket(user, Secrets.Hash(ticket), now));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (created)
            await db.JoinDefaultChannelsAsync(new CurrentUser(user.Id, user.OrganizationId, user.Role, Guid.Empty, false), events, clock, http, CancellationToken.None);
        return ticket;
    }

    private async Task<(User User, bool Created)> MatchOrCreateAsync(OidcProvider provider, Organization org, OidcIdentity identity,
        DateTimeOffset now, CancellationToken ct)
    {
        if (identity.Email is not { Length: > 0 } email || !identity.EmailVerified)
            throw new OidcRefusal("oidc-email-unverified", "The provider did not say that this person's email is verified.");
        if (!provider.AllowsEmail(email))
            throw new OidcRefusal("oidc-email-domain-not-allowed", "This email's domain is not one the organization signs in.");
        var existing = await db.Users.SingleOrDefaultAsync(u => u.OrganizationId == org.Id && u.NormalizedEmail == User.Normalize(email), ct);
        if (existing is not null)
        {
            if (!existing.IsActive)
                throw new OidcRefusal("oidc-account-deactivated", "This account is deactivated.", existing.Id);
            if (await db.OidcLinks.AnyAsync(l => l.UserId == existing.Id && l.Issuer == identity.Issuer, ct))
                throw new OidcRefusal("oidc-account-linked-elsewhere",
                    "This account is already linked to another identity of the provider.", existing.Id);
            return (existing, false);
        }
        if (provider.JustInTime != JustInTimeRule.CreateAccounts)
            throw new OidcRefusal("oidc-account-not-found", "There is no account with this email, and the organization creates none.");

        string validEmail;
        try
        {
            validEmail = User.ValidEmail(email);
        }
        catch (DomainException)
        {
            throw new OidcRefusal("oidc-email-unverified", "The provider's email is not an address Parley accepts.");
        }
        var name = identity.Name is { } n && n.Trim().Length is > 0 and <= User.MaxNameLength && !n.Any(char.IsControl)
            ? n : validEmail.Split('@')[0];
        var handle = await db.FreeHandleAsync(org.Id, User.HandleFrom(validEmail), ct);
        // No password: the account signs in through the provider (or with a password an admin has someone set later).
        var user = new User(org.Id, validEmail, User.ValidDisplayName(name), handle, provider.RoleFrom(identity.Roles) ?? OrgRole.Member, "", now);
        db.Users.Add(user);
        await db.AuditAsync(org.Id, AuditAction.UserJoined, user.Id, "user", user.Id.ToString(),
            new { via = "oidc", role = AccountDtos.RoleName(user.Role) }, null, now, ct);
        return (user, true);
    }
}
