using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

public static class Login
{
    public sealed record Request
    {
        [Required, StringLength(User.MaxEmailLength)] public string Email { get; init; } = "";
        [Required, StringLength(PasswordOptions.MaxLength), UserText.Verbatim] public string Password { get; init; } = "";

        /// <summary>Shown in the user's list of signed-in devices, e.g. "Firefox on laptop".</summary>
        [Required, StringLength(Session.MaxDeviceNameLength, MinimumLength = 1)] public string DeviceName { get; init; } = "";
    }

    public static async Task<Results<Ok<LoginResultDto>, ProblemHttpResult>> HandleAsync(
        Request request, ParleyDb db, PasswordHasher passwords, LoginThrottle throttle, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var email = User.Normalize(request.Email);
        if (throttle.RetryAfter(email) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(429, "login-throttled", "Too many failed sign-ins for this account. Wait a few minutes, then try again.");
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == email, ct);
        var org = user is null ? null : await db.Organizations.SingleAsync(o => o.Id == user.OrganizationId, ct);
        var now = clock.GetUtcNow();
        if (user is null)
        {
            passwords.SpendEquivalentTime(request.Password);
            throttle.Failed(email);
            return WrongCredentials();
        }
        if (!passwords.Verify(user.PasswordHash, request.Password) || !user.IsActive || org!.SuspendedAt is not null)
        {
            throttle.Failed(email);
            await using var failTx = await db.BeginWriteAsync(ct);
            await db.AuditAsync(user.OrganizationId, AuditAction.LoginFailed, user.Id, "user", user.Id.ToString(),
                new { reason = user.IsActive ? "password" : "deactivated" }, http.ClientAddress(), now, ct);
            await db.SaveChangesAsync(ct);
            await failTx.CommitAsync(ct);
            return WrongCredentials();
        }

        throttle.Succeeded(email);
        if (passwords.NeedsRehash(user.PasswordHash))
            user.SetPasswordHash(passwords.Hash(request.Password));
        var token = Secrets.NewToken();
        var session = new Session(user, request.DeviceName, Secrets.Hash(token), http.ClientAddress(), now);
        db.Sessions.Add(session);

        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(user.OrganizationId, AuditAction.LoginSucceeded, user.Id, "session", session.Id.ToString(),
            new { device = session.DeviceName }, http.ClientAddress(), now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var me = new MeDto(user.Id, org.Id, org.Name, user.DisplayName, user.Handle, user.Email, AccountDtos.RoleName(user.Role),
            user.IsOperator, session.Id);
        return TypedResults.Ok(new LoginResultDto(token, session.Id, me));
    }

    // One answer for unknown email, wrong password and deactivated account: nobody learns which accounts exist.
    private static ProblemHttpResult WrongCredentials() =>
        Problems.Of(401, "invalid-credentials", "The email or password is wrong.");
}
