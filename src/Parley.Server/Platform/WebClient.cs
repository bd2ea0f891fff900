namespace Parley.Server.Platform;

/// <summary>Serves the web client (built from src/Parley.Web into wwwroot) at <c>/</c>.</summary>
public static class WebClient
{
    // Scripts and styles only from this origin; the only connections are to this server's API and hub.
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static void UseWebClient(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/docs")
                && !http.Request.Path.StartsWithSegments("/hubs"))
            {
                http.Response.Headers.ContentSecurityPolicy = Policy;
                http.Response.Headers.XContentTypeOptions = "nosniff";
                http.Response.Headers["Referrer-Policy"] = "no-referrer";
            }
            return next(http);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                // Hashed bundles never change; the shell and the service worker must be re-checked every time.
                var path = context.Context.Request.Path;
                context.Context.Response.Headers.CacheControl = path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
    }

    /// <summary>
    /// Any other path outside the API is a client route (/c/12, /settings…): answer with the app shell. API, hub and
    /// OpenAPI paths are left out, so a wrong API route still gets its 404 or 405 problem.
    /// </summary>
    public static void MapWebClientFallback(this WebApplication app) =>
        app.MapFallbackToFile("{**path:regex(^(?!(api|hubs|openapi|docs)(/|$)).*$)}", "index.html");
}
