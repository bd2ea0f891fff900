using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Docs;

/// <summary>
/// /openapi/v1.json describes every API operation the server maps: a summary, the bearer requirement unless the
/// endpoint is anonymous, and the problems it answers; and the upload's multipart body.
/// </summary>
public abstract partial class OpenApiDocumentTests(ParleyApp app)
{
    [Fact]
    public async Task Every_operation_has_a_summary_its_security_and_its_problem_responses()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        var failures = new List<string>();

        foreach (var (path, method, anonymous) in MappedOperations())
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            var item = paths.EnumerateObject().FirstOrDefault(p => p.Name.TrimEnd('/') == path.TrimEnd('/')).Value;
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(method, out var operation))
            {
                failures.Add($"{name}: not in the document");
                continue;
            }
            if (!operation.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                failures.Add($"{name}: no summary");

            var schemes = operation.TryGetProperty("security", out var security)
                ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList()
                : [];
            if (anonymous && schemes.Count > 0)
                failures.Add($"{name}: anonymous, but documented as requiring {string.Join(", ", schemes)}");
            if (!anonymous && !schemes.Contains("Bearer"))
                failures.Add($"{name}: no Bearer security requirement");

            var problems = operation.GetProperty("responses").EnumerateObject()
                .Where(r => r.Name.StartsWith('4') && r.Value.TryGetProperty("content", out var content) &&
                            content.TryGetProperty("application/problem+json", out var problem) &&
                            problem.GetProperty("schema").GetProperty("$ref").GetString() == "#/components/schemas/Problem")
                .Select(r => r.Name).ToList();
            if (problems.Count == 0)
                failures.Add($"{name}: no application/problem+json response");
            if (!anonymous && !problems.Contains("401"))
                failures.Add($"{name}: no 401 problem");
            if (path.Contains('{') && !problems.Contains("404"))
                failures.Add($"{name}: names something in its route but documents no 404 problem");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task The_document_declares_the_bearer_scheme_and_the_problem_schema()
    {
        var components = (await DocumentAsync()).GetProperty("components");

        var bearer = components.GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal(("http", "bearer"), (bearer.GetProperty("type").GetString(), bearer.GetProperty("scheme").GetString()));
        var problem = components.GetProperty("schemas").GetProperty("Problem").GetProperty("properties");
        Assert.True(problem.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task The_upload_documents_its_multipart_body_and_its_size_and_type_problems()
    {
        var upload = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/conversations/{conversationId}/files").GetProperty("post");

        var body = upload.GetProperty("requestBody");
        var file = body.GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("file");
        Assert.True(body.GetProperty("required").GetBoolean());
        Assert.Equal(("string", "binary"), (file.GetProperty("type").GetString(), file.GetProperty("format").GetString()));
        var responses = upload.GetProperty("responses");
        Assert.True(responses.TryGetProperty("413", out _) && responses.TryGetProperty("415", out _), responses.ToString());
    }

    [Fact]
    public async Task The_download_says_who_may_download_a_file()
    {
        var download = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/files/{fileId}").GetProperty("get");

        Assert.Contains("Whoever may read the file's conversation", download.GetProperty("description").GetString());
    }

    // The server builds the document on every request, which is slow on a busy machine: read it once per server.
    private static readonly ConditionalWeakTable<ParleyApp, Task<JsonElement>> Documents = [];

    private Task<JsonElement> DocumentAsync() => Documents.GetValue(app, async server =>
    {
        using var anonymous = server.Http();
        var json = await anonymous.GetStringAsync("/openapi/v1.json");
        return JsonDocument.Parse(json).RootElement.Clone();
    });

    /// <summary>Every API route and method the server maps, in OpenAPI's path syntax.</summary>
    private List<(string Path, string Method, bool Anonymous)> MappedOperations() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api/v1", StringComparison.Ordinal) && !raw.Contains("{*"))
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(method =>
                (Constraint().Replace(e.RoutePattern.RawText!, "{$1}"), method.ToLowerInvariant(), e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .ToList();

    [GeneratedRegex(@"\{(\w+):[^}]+\}")]
    private static partial Regex Constraint();
}

public sealed class SqliteOpenApiDocumentTests(SqliteApp app) : OpenApiDocumentTests(app);

public sealed class PostgresOpenApiDocumentTests : OpenApiDocumentTests
{
    public PostgresOpenApiDocumentTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
