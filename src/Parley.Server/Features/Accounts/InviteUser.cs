using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Organizations;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Accounts;

public static class InviteUser
{
    public static readonly TimeSpan ValidFor = TimeSpan.FromDays(7);

    public sealed record Request
    {
        [Required, StringLength(User.MaxEmailLength)] public string Email { get; init; } = "";

        /// <summary>owner, admin, manager, compliance, member (default) or guest.</summary>
        [StringLength(10)] public string? Role { get; init; }
    }

    public static async Task<Results<Created<InviteDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.Invite))
            return Problems.Forbidden("admin-only", "Only admins can invite people.");
        var role = OrgRole.Member;
        if (request.Role is not null && !AccountDtos.TryParseRole(request.Role, out role))
            return Problems.BadRequest("role-invalid", "Role must be owner, admin, manager, compliance, member or guest.");
        if (me.RefuseGrant(role) is { } beyondMine)
            return beyondMine;

        var email = User.ValidEmail(request.Email);
        var now = clock.GetUtcNow();
        // Only this organization's people count: whether the email has an account elsewhere is none of its business.
        if (await db.EmailTakenAsync(me.OrganizationId, email, now, ct))
            return Problems.Conflict("email-taken", "Someone in this organization already has an account or a pending invite with this email.");

        var token = Secrets.NewToken();
        var invite = new Invite(me.OrganizationId, email, role, Secrets.Hash(token), me.Id, now, ValidFor);
        db.Invites.Add(invite);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.UserInvited, "invite", invite.Id.ToString(), new { role = AccountDtos.RoleName(role) }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var link = $"{http.Request.Scheme}://{http.Request.Host}/invite#{token}";   // a fragment never reaches server logs
        return TypedResults.Created($"/api/v1/invites/{invite.Id}",
            new InviteDto(invite.Id, invite.Email, AccountDtos.RoleName(role), invite.ExpiresAt, token, link));
    }
}

public static class AcceptInvite
{
    public const string DefaultDeviceName = "Web browser";

    public sealed record Request
    {
        [Required, StringLength(100), UserText.Verbatim] public string Token { get; init; } = "";
        [Required, StringLength(User.MaxNameLength, MinimumLength = 1)] public string DisplayName { get; init; } = "";
        [Required, StringLength(PasswordOptions.MaxLength, MinimumLength = PasswordOptions.MinLength), UserText.Verbatim] public string Password { get; init; } = "";

        /// <summary>The device the new person is signed in on, as in sign-in; "Web browser" when not given.</summary>
        [StringLength(Session.MaxDeviceNameLength, MinimumLength = 1)] public string? DeviceName { get; init; }
    }

    /// <summary>Creates the invited person's account and signs them in: the answer is the same as a sign-in's.</summary>
    public static async Task<Results<Created<LoginResultDto>, ProblemHttpResult>> HandleAsync(
        Request request, ParleyDb db, PasswordHasher passwords, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var device = Session.ValidDeviceName(request.DeviceName ?? DefaultDeviceName);
        var invite = await db.Invites.SingleOrDefaultAsync(i => i.TokenHash == Secrets.Hash(request.Token), ct);
        if (invite is null)
            return Problems.Of(404, "invite-unknown", "This invite link is not valid. Ask an admin for a new one.");
        if (await db.Users.AnyAsync(u => u.OrganizationId == invite.OrganizationId && u.NormalizedEmail == User.Normalize(invite.Email), ct))
            return Problems.Of(410, "invite-used", "This invite link was already used. Sign in instead.");

        var now = clock.GetUtcNow();
        var org = await db.Organizations.SingleAsync(o => o.Id == invite.OrganizationId, ct);
        var handle = await db.FreeHandleAsync(invite.OrganizationId, User.HandleFrom(invite.Email), ct);
        var user = new User(invite.OrganizationId, invite.Email, request.DisplayName, handle, invite.Role, passwords.Hash(request.Password), now);
        invite.Use(user.Id, now);
        db.Users.Add(user);

        await using var tx = await db.BeginWriteAsync(ct);
        // Claimed in the database: of two people racing with one link, exactly one gets the account.
        if (await db.Invites.Where(i => i.Id == invite.Id && i.UsedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now).SetProperty(i => i.UsedBy, user.Id), ct) == 0)
            return Problems.Of(410, "invite-used", "This invite link was already used. Sign in instead.");
        await db.AuditAsync(user.OrganizationId, AuditAction.UserJoined, user.Id, "user", user.Id.ToString(),
            new { invite = invite.Id, role = AccountDtos.RoleName(user.Role) }, http.ClientAddress(), now, ct);
        var result = await db.OpenSessionAsync(user, org, device, http.ClientAddress(), now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // The account stands on its own: the default channels are joined after it, each in its own transaction, to the
        // end even if the caller has gone (not with the request's token).
        await db.JoinDefaultChannelsAsync(new CurrentUser(user.Id, user.OrganizationId, user.Role, result.SessionId, false), events, clock, http, CancellationToken.None);
        return TypedResults.Created("/api/v1/users/me", result);
    }
}

public static class HandleQueries
{
    /// <summary>Whether someone in the organization has an account, or a pending invite, with this email.</summary>
    public static async Task<bool> EmailTakenAsync(this ParleyDb db, Guid organizationId, string email, DateTimeOffset now, CancellationToken ct)
    {
        var normalized = User.Normalize(email);
        if (await db.Users.AnyAsync(u => u.OrganizationId == organizationId && u.NormalizedEmail == normalized, ct))
            return true;
        // Compared here, not in SQL: invites keep the email as typed, and SQLite's upper() knows ASCII only.
        var pending = await db.Invites.Where(i => i.OrganizationId == organizationId && i.UsedAt == null && i.ExpiresAt > now)
            .Select(i => i.Email).ToListAsync(ct);
        return pending.Any(e => User.Normalize(e) == normalized);
    }

    /// <summary>The proposed handle, or it with the smallest number appended that nobody in the organization has.</summary>
    public static async Task<string> FreeHandleAsync(this ParleyDb db, Guid organizationId, string proposed, CancellationToken ct)
    {
        var taken = await db.Users.Where(u => u.OrganizationId == organizationId && u.Handle.StartsWith(proposed))
            .Select(u => u.Handle).ToListAsync(ct);
        if (!taken.Contains(proposed))
            return proposed;
        for (var n = 2; ; n++)
            if (!taken.Contains($"{proposed}{n}"))
                return $"{proposed}{n}";
    }
}
