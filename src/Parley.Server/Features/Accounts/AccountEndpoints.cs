using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Sign-in and devices");
        auth.MapPost("/login", Login.HandleAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Login)
            .WithSummary("Sign in")
            .WithDescription("Opens a session on a named device and returns its bearer token, shown once. Wrong email, wrong password " +
                "and deactivated account get the same 401. When the email and password open accounts in several organizations, " +
                "the answer is 409 `organization-choice-required` listing them: sign in again with one `organizationId`. When the person has two-factor on, the password opens no session: the answer " +
                "is 401 `second-factor-required` with a single-use `challenge` (valid 5 minutes) for POST /api/v1/auth/login/second-factor.")
            .WithProblems(401, 409);
        auth.MapGet("/sessions", ListSessions.HandleAsync)
            .WithSummary("List your signed-in devices");
        auth.MapDelete("/sessions/{sessionId}", RevokeSession.HandleAsync).AllowBeforeEnrolment()
            .WithSummary("Sign a device out")
            .WithDescription("`current` signs out the session making the request. Its live connections close at once.");

        api.MapPost("/invites/accept", AcceptInvite.HandleAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Login).WithTags("People")
            .WithSummary("Accept an invite")
            .WithDescription("Creates the invited account from the single-use token of the invite link and signs the person in " +
                "on the named device: the answer is the same as a sign-in's.")
            .WithProblems(404, 410);

        var users = api.MapGroup("/users").WithTags("People");
        users.MapGet("/me", GetMe.HandleAsync).AllowBeforeEnrolment()
            .WithSummary("Get the signed-in user");
        users.MapGet("/", ListUsers.HandleAsync)
            .WithSummary("List the people of your organization");
        users.MapGet("/presence", ListPresence.HandleAsync)
            .WithSummary("List who is online");
        users.MapPost("/invites", InviteUser.HandleAsync)
            .WithSummary("Invite someone")
            .WithDescription("Admins only. Returns a single-use link, valid 7 days, to give to the invited person.")
            .WithProblems(403, 409);
        users.MapPut("/{userId:guid}/role", ChangeUserRole.HandleAsync)
            .WithSummary("Change someone's role")
            .WithDescription("Admins only; an organization always keeps an owner.")
            .WithProblems(403);
        users.MapPost("/{userId:guid}/deactivate", DeactivateUser.HandleAsync)
            .WithSummary("Deactivate an account")
            .WithDescription("Admins only. Ends every session and live connection of that person at once.")
            .WithProblems(403);
    }
}
