using Parley.Server.Platform;

namespace Parley.Server.Features.TwoFactor;

public static class TwoFactorEndpoints
{
    public static void MapTwoFactorEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/login/second-factor", CompleteSignIn.HandleAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Login)
            .WithTags("Sign-in and devices")
            .WithSummary("Finish a sign-in with a second factor")
            .WithDescription("The `challenge` of the 401 `second-factor-required` answer to the password step, and the 6-digit code " +
                "of the authenticator app or a recovery code, open the session: the answer is the same as a sign-in's. A challenge " +
                "lasts 5 minutes, opens one session and takes 5 codes at most; a code whose time step was already used is refused.")
            .WithProblems(400, 401, 429);

        var own = api.MapGroup("/auth/two-factor").WithTags("Two-factor sign-in").AllowBeforeEnrolment();
        own.MapGet("/", GetTwoFactor.HandleAsync)
            .WithSummary("Get your two-factor status");
        own.MapPost("/enrolment", StartTwoFactorEnrolment.HandleAsync)
            .WithSummary("Start setting up an authenticator app")
            .WithDescription("Makes a new secret and returns it (base32, for typing in) and as an `otpauth://` URI. It protects " +
                "nothing until confirmed with a first code.")
            .WithProblems(409);
        own.MapPost("/enrolment/confirm", ConfirmTwoFactorEnrolment.HandleAsync)
            .WithSummary("Confirm the authenticator app and turn two-factor on")
            .WithDescription("Answers the ten recovery codes, shown this once. Audited.")
            .WithProblems(409, 422);
        own.MapPost("/recovery-codes", RegenerateRecoveryCodes.HandleAsync)
            .WithSummary("Make new recovery codes")
            .WithDescription("Needs a current code (or a recovery code). The old recovery codes stop working. Audited.")
            .WithProblems(409, 422);
        own.MapPost("/disable", DisableTwoFactor.HandleAsync)
            .WithSummary("Turn two-factor off")
            .WithDescription("Needs a current code of the authenticator app, or a recovery code. Audited.")
            .WithProblems(409, 422);

        api.MapPost("/users/{userId:guid}/two-factor/reset", ResetTwoFactor.HandleAsync).WithTags("People")
            .WithSummary("Reset someone's two-factor sign-in")
            .WithDescription("Admins only; an owner's only by an owner. For a lost phone: the person signs in with the password and " +
                "sets two-factor up again (before anything else where the organization requires it). Audited.")
            .WithProblems(403, 404, 409);
        api.MapGet("/organization/two-factor", GetTwoFactorPolicy.HandleAsync).WithTags("Organization")
            .WithSummary("Get whether the organization requires two-factor sign-in");
        api.MapPut("/organization/two-factor", SetTwoFactorPolicy.HandleAsync).WithTags("Organization")
            .WithSummary("Require two-factor sign-in, or stop requiring it")
            .WithDescription("Admins only; audited. When required, a person who has not enrolled still signs in, but the session " +
                "reaches only the two-factor enrolment, GET /api/v1/users/me and signing out (403 `two-factor-enrolment-required`) " +
                "until they enrol. An admin who has not enrolled cannot turn it on (409 `two-factor-enrol-first`).")
            .WithProblems(403, 409);
    }
}
