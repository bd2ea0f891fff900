using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Parley.Server.Platform;

/// <summary>The problems an operation answers besides those every operation of its kind may answer (see below).</summary>
public sealed record ProblemResponses(IReadOnlyList<int> StatusCodes);

/// <summary>The operation reads one file as <c>multipart/form-data</c> from the raw body, which OpenAPI cannot infer.</summary>
public sealed record MultipartFileUpload(string Description);

/// <summary>
/// What the generated OpenAPI document cannot infer from the handlers: the bearer scheme and which operations need it,
/// the RFC 7807 problems (<c>application/problem+json</c>) they answer, and the multipart body of uploads.
/// </summary>
public static class OpenApiDocumentation
{
    public const string BearerScheme = "Bearer", ProblemSchema = "Problem";

    public static OpenApiOptions AddParleyDocumentation(this OpenApiOptions options)
    {
        options.AddDocumentTransformer<ComponentsTransformer>();
        options.AddOperationTransformer<OperationTransformer>();
        return options;
    }

    /// <summary>Problems this operation answers beyond the ones that follow from its shape (see <see cref="OperationTransformer"/>).</summary>
    public static TBuilder WithProblems<TBuilder>(this TBuilder builder, params int[] statusCodes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemResponses(statusCodes));

    public static TBuilder AcceptsMultipartFile<TBuilder>(this TBuilder builder, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MultipartFileUpload(description));

    private static readonly Dictionary<int, string> Meanings = new()
    {
        [400] = "The request is malformed or a value is not valid (`validation`, or the code of the rule).",
        [401] = "No valid bearer token: missing, unknown, revoked or expired (`unauthorized`).",
        [403] = "Signed in, but not allowed to do this (the `code` says why).",
        [404] = "Missing, or not visible to the caller: both answer the same (`not-found`, or the code of what is missing).",
        [409] = "Conflicts with the current state (the `code` says which).",
        [410] = "No longer available (the `code` says why).",
        [413] = "The body is larger than this server accepts.",
        [415] = "The body is not in the media type this operation reads.",
        [422] = "A rule of Parley refuses the change (the `code` names it).",
        [429] = "Too many requests: retry after the seconds in `Retry-After`.",
    };

    private sealed class ComponentsTransformer : IOpenApiDocumentTransformer
    {
        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The `token` of `POST /api/v1/auth/login` (or of accepting an invite), as `Authorization: Bearer <token>`.",
            };
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "An RFC 7807 problem. `code` is stable (docs/problems.md); `title` is for people.",
                Required = new HashSet<string> { "type", "title", "status", "code" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable; listed in docs/problems.md." },
                    ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object | JsonSchemaType.Null,
                        Description = "For `validation`: the messages of each invalid field.",
                        AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
            };
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Every operation answers problems that follow from its shape: 401 unless it is anonymous, 404 when its route
    /// names something, 400 when it takes a body or query, 413 and 415 when it takes a body, 422 when it changes
    /// something (entities refuse what breaks their rules), 429 when it is rate-limited. Endpoints add their own with
    /// <see cref="WithProblems{TBuilder}"/>.
    /// </summary>
    private sealed class OperationTransformer : IOpenApiOperationTransformer
    {
        public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
        {
            var description = context.Description;
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
            var upload = metadata.OfType<MultipartFileUpload>().FirstOrDefault();
            var method = description.HttpMethod ?? "GET";
            var hasBody = upload is not null || description.ParameterDescriptions.Any(p => p.Source.Id is "Body" or "Form");
            var hasQuery = description.ParameterDescriptions.Any(p => p.Source.Id == "Query");
            var hasRouteValues = description.ParameterDescriptions.Any(p => p.Source.Id == "Path");

            var problems = new SortedSet<int>(metadata.OfType<ProblemResponses>().SelectMany(p => p.StatusCodes));
            if (!anonymous) problems.Add(401);
            if (hasRouteValues) problems.Add(404);
            if (hasBody || hasQuery) problems.Add(400);
            if (hasBody) { problems.Add(413); problems.Add(415); }
            if (method is not "GET" and not "HEAD") problems.Add(422);
            if (metadata.OfType<EnableRateLimitingAttribute>().Any()) problems.Add(429);

            // The summary and description the endpoint declares win over a handler's XML comment, which is often longer
            // than a summary; that comment then describes the operation unless the endpoint gives a description.
            if (metadata.OfType<IEndpointSummaryMetadata>().LastOrDefault() is { } summary && operation.Summary != summary.Summary)
            {
                operation.Description ??= operation.Summary;
                operation.Summary = summary.Summary;
            }
            if (metadata.OfType<IEndpointDescriptionMetadata>().LastOrDefault() is { } explicitDescription)
                operation.Description = explicitDescription.Description;

            operation.Responses ??= new OpenApiResponses();
            foreach (var status in problems)
            {
                var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = Meanings.GetValueOrDefault(status, "A problem (the `code` says which)."),
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                    },
                };
            }

            if (!anonymous)
                (operation.Security ??= []).Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });

            if (upload is not null)
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = upload.Description,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["multipart/form-data"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "file" },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The file, with its name." },
                                },
                            },
                        },
                    },
                };
            return Task.CompletedTask;
        }
    }
}
