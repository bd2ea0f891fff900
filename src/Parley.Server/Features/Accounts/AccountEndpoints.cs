using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Sign-in and devices");
        auth.MapPost("/login", Login.HandleAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Login);
        auth.MapGet("/sessions", ListSessions.HandleAsync);
        auth.MapDelete("/sessions/{sessionId}", RevokeSession.HandleAsync);

        api.MapPost("/invites/accept", AcceptInvite.HandleAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Login).WithTags("People");

        var users = api.MapGroup("/users").WithTags("People");
        users.MapGet("/me", GetMe.HandleAsync);
        users.MapGet("/", ListUsers.HandleAsync);
        users.MapGet("/presence", ListPresence.HandleAsync);
        users.MapPost("/invites", InviteUser.HandleAsync);
        users.MapPut("/{userId:guid}/role", ChangeUserRole.HandleAsync);
        users.MapPost("/{userId:guid}/deactivate", DeactivateUser.HandleAsync);
    }
}
