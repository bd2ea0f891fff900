namespace Parley.Server.Platform;

/// <summary>
/// When an organization requires two-factor, a person who has not enrolled still signs in (so they can enrol from the
/// client, with nobody's help), but their session reaches only the endpoints marked <see cref="AllowedBeforeEnrolment"/>:
/// the enrolment itself, who they are, and signing out. Everything else, the live hub included, answers 403
/// <c>two-factor-enrolment-required</c>. The claim is worked out with the session (<see cref="SessionCache"/>), so a policy
/// turned on or a reset by an admin applies to sessions already open.
/// </summary>
public static class EnrolmentGate
{
    /// <summary>Marks an endpoint a session that must enrol first may call.</summary>
    public sealed class AllowedBeforeEnrolment;

    public static TBuilder AllowBeforeEnrolment<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedBeforeEnrolment());

    public static IApplicationBuilder UseEnrolmentGate(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.HasClaim(ParleyClaims.MustEnrol, "true")
            && http.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<AllowedBeforeEnrolment>() is null)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails =
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Your organization requires two-factor sign-in. Set it up first.",
                    Type = "/problems/two-factor-enrolment-required",
                    Extensions = { ["code"] = "two-factor-enrolment-required" },
                },
            });
            return;
        }
        await next(http);
    });
}
