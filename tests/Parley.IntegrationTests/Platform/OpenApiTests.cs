using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Platform;

/// <summary>The OpenAPI document says, for every operation, what its handler really binds.</summary>
public abstract partial class OpenApiTests(ParleyApp app)
{
    [Fact]
    public async Task Every_operation_documents_the_body_its_handler_binds()
    {
        var document = await OpenApiDocument.ReadAsync(app);
        var checkedBodies = 0;

        foreach (var endpoint in OpenApiDocument.ApiEndpoints(app))
        {
            var operation = document.Operation(endpoint.Path, endpoint.Method);
            Assert.True(operation is not null, $"{endpoint.Method} {endpoint.Path} is not in /openapi/v1.json");
            var bound = endpoint.Endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>()
                .FirstOrDefault(a => a.RequestType is not null && a.ContentTypes.Contains("application/json"))?.RequestType;
            if (bound is null)
                continue;

            var schema = document.JsonBodySchema(operation!);
            Assert.True(schema is not null, $"{endpoint.Method} {endpoint.Path} binds {bound.Name} but documents no JSON body");
            var documented = schema!["properties"]?.AsObject().Select(p => p.Key).Order().ToList() ?? [];
            var expected = bound.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToList();
            Assert.True(expected.SequenceEqual(documented),
                $"{endpoint.Method} {endpoint.Path} binds {bound.DeclaringType?.Name}.{bound.Name} ({string.Join(", ", expected)}) " +
                $"but documents ({string.Join(", ", documented)})");
            checkedBodies++;
        }

        Assert.True(checkedBodies >= 10, $"only {checkedBodies} operations with a JSON body were found");
    }

    [Fact]
    public async Task Every_schema_has_its_own_name()
    {
        var document = await OpenApiDocument.ReadAsync(app);

        var names = document.Root["components"]!["schemas"]!.AsObject().Select(s => s.Key).ToList();

        Assert.DoesNotContain("Request", names);
        Assert.Contains("SendMessageRequest", names);
        Assert.Contains("CompleteSetupRequest", names);
    }
}

/// <summary>The served OpenAPI document, and the endpoints the server really maps, matched by method and path.</summary>
public sealed partial class OpenApiDocument(JsonObject root)
{
    public JsonObject Root { get; } = root;

    public static async Task<OpenApiDocument> ReadAsync(ParleyApp app)
    {
        using var http = app.Http();
        var json = await http.GetStringAsync("/openapi/v1.json");
        return new OpenApiDocument(JsonNode.Parse(json)!.AsObject());
    }

    public sealed record ApiEndpoint(string Method, string Path, RouteEndpoint Endpoint);

    /// <summary>Every documented HTTP endpoint of the running server, with its OpenAPI path (constraints removed).</summary>
    public static List<ApiEndpoint> ApiEndpoints(ParleyApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new ApiEndpoint(m, PathOf(e), e)))
            .ToList();

    public static string PathOf(RouteEndpoint endpoint) =>
        Constraint().Replace(endpoint.RoutePattern.RawText!, "{$1}").TrimEnd('/');

    public JsonObject? Operation(string path, string method)
    {
        foreach (var (documentedPath, item) in Root["paths"]!.AsObject())
            if (documentedPath.TrimEnd('/') == path && item![method.ToLowerInvariant()] is JsonObject operation)
                return operation;
        return null;
    }

    /// <summary>The schema of an operation's JSON body, with its reference resolved; null when it takes none.</summary>
    public JsonObject? JsonBodySchema(JsonObject operation) =>
        operation["requestBody"]?["content"]?["application/json"]?["schema"] is JsonObject schema ? Resolve(schema) : null;

    public JsonObject Resolve(JsonObject schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? Root["components"]!["schemas"]![reference.Split('/')[^1]]!.AsObject()
            : schema;

    [GeneratedRegex(@"\{([^}:?=]+)[^}]*\}")]
    private static partial Regex Constraint();
}

public sealed class SqliteOpenApiTests(SqliteApp app) : OpenApiTests(app);

public sealed class PostgresOpenApiTests : OpenApiTests
{
    public PostgresOpenApiTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
