using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;

namespace Parley.Server.Platform;

/// <summary>RFC 7807 problem details, each with a stable <c>code</c> extension (docs/problems.md).</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string title) => Of(status, code, title, []);

    /// <param name="extensions">More members of the problem, documented with its code in docs/problems.md.</param>
    public static ProblemHttpResult Of(int status, string code, string title, Dictionary<string, object?> extensions)
    {
        extensions["code"] = code;
        return TypedResults.Problem(statusCode: status, title: title, type: $"/problems/{code}", extensions: extensions);
    }

    public static ProblemHttpResult BadRequest(string code, string title) => Of(StatusCodes.Status400BadRequest, code, title);
    public static ProblemHttpResult Forbidden(string code, string title) => Of(StatusCodes.Status403Forbidden, code, title);
    public static ProblemHttpResult Conflict(string code, string title) => Of(StatusCodes.Status409Conflict, code, title);
    public static ProblemHttpResult Unprocessable(string code, string title) => Of(StatusCodes.Status422UnprocessableEntity, code, title);

    /// <summary>Missing and not-yours look the same, so nobody learns that a thing exists.</summary>
    public static ProblemHttpResult NotFound(string what = "resource") =>
        Of(StatusCodes.Status404NotFound, "not-found", $"This {what} does not exist or you cannot see it.");

    /// <summary>The code for a status when nothing more specific was said.</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => "bad-request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        409 => "conflict",
        413 => "too-large",
        415 => "unsupported-media-type",
        422 => "unprocessable",
        429 => "rate-limited",
        _ => status >= 500 ? "server-error" : "error",
    };

    public static IServiceCollection AddParleyProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var details = context.ProblemDetails;
            var status = details.Status ?? context.HttpContext.Response.StatusCode;
            if (details is HttpValidationProblemDetails && !details.Extensions.ContainsKey("code"))
            {
                details.Extensions["code"] = "validation-failed";
                details.Type = "/problems/validation-failed";
            }
            if (!details.Extensions.ContainsKey("code"))
            {
                var code = DefaultCode(status);
                details.Extensions["code"] = code;
                details.Type = $"/problems/{code}";
                if (status == 401)
                    details.Title = "Sign in first: send a valid bearer token (POST /api/v1/auth/login).";
                if (status == 429)
                    details.Title = "Too many requests. Wait a moment and try again.";
            }
            details.Extensions.Remove("traceId");
            details.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ExpectedExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);   // so bad JSON reaches the handler below
        return services;
    }
}

/// <summary>Turns the exceptions a client can cause into problem details; anything else is a bug and stays a 500.</summary>
internal sealed partial class ExpectedExceptionHandler(
    IProblemDetailsService problems, StorageHealth storage, ILogger<ExpectedExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var full = StorageFull.Is(exception, out var area);
        (int status, string code, string title) = exception switch
        {
            _ when full => (StatusCodes.Status507InsufficientStorage, "storage-full",
                "The server has no room left to save this. Nothing was saved; try again later. Reading still works."),
            DomainException e => (e.Status, e.Code, e.Message),
            BadHttpRequestException { StatusCode: 413 } => (413, "too-large", "The request body is larger than this server accepts."),
            BadHttpRequestException e when e.InnerException is System.Text.Json.JsonException =>
                (400, "malformed-json", "The request body is not valid JSON for this operation."),
            BadHttpRequestException e => (e.StatusCode, Problems.DefaultCode(e.StatusCode), BadRequestTitle(e)),
            DbUpdateConcurrencyException => (409, "concurrency", "Someone changed this first. Reload and retry."),
            _ when Data.DatabaseFailures.IsTransientConflict(exception) =>
                (503, "write-conflict", "A conflicting change got in the way. Send the same request again."),
            _ => (0, "", ""),
        };
        if (status == 0)
            return false;
        if (full)
        {
            // Not the client's fault and not a bug: say when to retry. StorageHealth tells the operator, once.
            storage.Failed(area, exception);
            http.Response.Headers.RetryAfter = ((int)StorageHealth.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (status == 503)
        {
            LogTransientConflict(logger, exception);
            http.Response.Headers.RetryAfter = "1";
        }

        var details = new ProblemDetails { Status = status, Title = title, Type = $"/problems/{code}", Extensions = { ["code"] = code } };
        if (FieldOf(exception) is { Length: > 0 } field)
            details.Extensions["field"] = field;
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, Exception = exception, ProblemDetails = details });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A database write lost a deadlock or a lock; the client was asked to retry")]
    private static partial void LogTransientConflict(ILogger logger, Exception e);

    /// <summary>The request field at fault: named by the domain, or the JSON path of a body that could not be read.</summary>
    private static string? FieldOf(Exception exception) => exception switch
    {
        DomainException e => e.Field,
        BadHttpRequestException { InnerException: System.Text.Json.JsonException { Path: { } path } } => path.TrimStart('$').TrimStart('.'),
        _ => null,
    };

    // Binding messages name the parameter that failed, which helps the caller; they never contain server internals.
    private static string BadRequestTitle(BadHttpRequestException e) =>
        e.Message.StartsWith("Failed to read parameter", StringComparison.Ordinal) || e.Message.StartsWith("Required parameter", StringComparison.Ordinal)
            ? e.Message
            : "The request could not be read. Check its body, content type and parameters.";
}
