namespace Parley.Server.Platform;

/// <summary>Serves the web client (built from src/Parley.Web into wwwroot) at <c>/</c>.</summary>
public static class WebClient
{
    // Scripts and styles only from this origin; the only connections are to this server's API and hub.
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static bool IsServerPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/openapi")
        || path.StartsWithSegments("/docs") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");

    public static void UseWebClient(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            if (!IsServerPath(http.Request.Path))
            {
                http.Response.Headers.ContentSecurityPolicy = Policy;
                http.Response.Headers.XContentTypeOptions = "nosniff";
                http.Response.Headers["Referrer-Policy"] = "no-referrer";
            }
            return next(http);
        });
        // A path no endpoint claims, outside the API, is a client route (/c/12, /settings…): answer with the app shell.
        // Done here rather than as a fallback endpoint, so a wrong method on an API route still gets its 405.
        app.Use((http, next) =>
        {
            var path = http.Request.Path;
            if (http.GetEndpoint() is null && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                && !IsServerPath(path) && !Path.HasExtension(path.Value))
                http.Request.Path = "/index.html";
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
}
