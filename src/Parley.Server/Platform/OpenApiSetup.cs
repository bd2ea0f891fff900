using Microsoft.AspNetCore.OpenApi;

namespace Parley.Server.Platform;

public static class OpenApiSetup
{
    /// <summary>
    /// The OpenAPI document at <c>/openapi/v1.json</c>. Every operation's request is a nested <c>Request</c> record, so a
    /// schema is named after the types that hold it (<c>SendMessage.Request</c> is <c>SendMessageRequest</c>): by plain
    /// type name they would all be <c>Request</c>, and every operation would show the same body.
    /// </summary>
    public static IServiceCollection AddParleyOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.CreateSchemaReferenceId = info =>
                OpenApiOptions.CreateDefaultSchemaReferenceId(info) is { } id ? OuterNames(info.Type) + id : null;
            o.AddParleyDocumentation();
        });

    private static string OuterNames(Type type) =>
        type.DeclaringType is { } outer ? OuterNames(outer) + outer.Name : "";
}
