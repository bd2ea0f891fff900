using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Server.Platform;

namespace Parley.Server.Features.Scim;

/// <summary>The schema and message URNs of RFC 7643 and RFC 7644 that Parley speaks.</summary>
public static class ScimSchemas
{
    public const string User = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string EnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    public const string Group = "urn:ietf:params:scim:schemas:core:2.0:Group";
    public const string ListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    public const string PatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string Error = "urn:ietf:params:scim:api:messages:2.0:Error";
    public const string ServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
    public const string ResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    public const string Schema = "urn:ietf:params:scim:schemas:core:2.0:Schema";
    public const string MediaType = "application/scim+json";
}

/// <summary>
/// A SCIM error (RFC 7644 §3.12): thrown anywhere in a SCIM request, answered by <see cref="ScimEndpoints"/> as
/// <c>urn:ietf:params:scim:api:messages:2.0:Error</c> with its status and, where RFC 7644 names one, its scimType.
/// </summary>
public sealed class ScimException(int status, string? scimType, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string? ScimType { get; } = scimType;

    public static ScimException NotFound(string what) => new(404, null, $"{what} not found.");
    public static ScimException InvalidValue(string detail) => new(400, "invalidValue", detail);
    public static ScimException InvalidSyntax(string detail) => new(400, "invalidSyntax", detail);
    public static ScimException InvalidPath(string detail) => new(400, "invalidPath", detail);
    public static ScimException Uniqueness(string detail) => new(409, "uniqueness", detail);
}

/// <summary>A SCIM answer: a resource, list or error as <c>application/scim+json</c>, with its ETag and Location when it has them.</summary>
public sealed class ScimResult(int status, JsonNode? body) : IResult
{
    public string? Location { get; init; }

    public static ScimResult Ok(JsonNode body) => new(200, body);
    public static ScimResult NoContent() => new(204, null);

    public static ScimResult Error(int status, string? scimType, string detail)
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimSchemas.Error),
            ["status"] = status.ToString(CultureInfo.InvariantCulture),
            ["detail"] = detail,
        };
        if (scimType is not null)
            body["scimType"] = scimType;
        return new ScimResult(status, body);
    }

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = status;
        if (body is null)
            return;
        if (body["meta"]?["version"]?.GetValue<string>() is { } version)
            http.Response.Headers.ETag = version;
        if (Location is not null)
            http.Response.Headers.Location = Location;
        http.Response.ContentType = ScimSchemas.MediaType;
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }
}

public static class ScimJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>The request body as a JSON object; anything else (malformed, empty, an array) is a 400 invalidSyntax.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, documentOptions: Options, cancellationToken: ct);
            return node as JsonObject ?? throw ScimException.InvalidSyntax("The request body must be a JSON object.");
        }
        catch (JsonException)
        {
            throw ScimException.InvalidSyntax("The request body is not valid JSON.");
        }
    }

    /// <summary>A member read case-insensitively, as RFC 7643 §2.1 names attributes.</summary>
    public static JsonNode? Get(JsonObject o, string name)
    {
        foreach (var (key, value) in o)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                return value;
        return null;
    }

    /// <summary>A string value, or null for JSON null or absence; anything else is invalid.</summary>
    public static string? String(JsonNode? node, string attribute) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => UserText.Refused(v.GetValue<string>()) is { } why
            ? throw ScimException.InvalidValue($"{attribute} contains {why}.")
            : v.GetValue<string>(),
        _ => throw ScimException.InvalidValue($"{attribute} must be a string."),
    };

    /// <summary>A boolean, also from the strings "True" and "False" that Entra ID sends.</summary>
    public static bool Boolean(JsonNode? node, string attribute) => node switch
    {
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>().Trim(), out var b) => b,
        _ => throw ScimException.InvalidValue($"{attribute} must be true or false."),
    };

    /// <summary>A weak ETag over the resource as shown (without its meta): it changes whenever anything shown changes.</summary>
    public static string Version(JsonObject resourceWithoutMeta) =>
        $"W/\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(resourceWithoutMeta.ToJsonString())))[..20]}\"";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Adds meta to a resource, with the version computed over the rest.</summary>
    public static JsonObject WithMeta(JsonObject resource, string resourceType, DateTimeOffset created, DateTimeOffset lastModified, string location)
    {
        var version = Version(resource);
        resource["meta"] = new JsonObject
        {
            ["resourceType"] = resourceType,
            ["created"] = Time(created),
            ["lastModified"] = Time(lastModified),
            ["location"] = location,
            ["version"] = version,
        };
        return resource;
    }

    /// <summary>Refuses a change when If-Match names another version (RFC 7644 §3.14): 412 Precondition Failed.</summary>
    public static void CheckIfMatch(HttpRequest request, JsonObject current)
    {
        var ifMatch = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(ifMatch) || ifMatch.Trim() == "*")
            return;
        var version = current["meta"]!["version"]!.GetValue<string>();
        var strong = version[2..];
        var matches = ifMatch.Split(',').Select(t => t.Trim()).Any(t => t == version || t == strong || (t.StartsWith("W/", StringComparison.Ordinal) && t[2..] == strong));
        if (!matches)
            throw new ScimException(412, null, "The resource changed since that version was read (If-Match). Read it again.");
    }

    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}/scim/v2";
}

/// <summary>Pagination of a list request (RFC 7644 §3.4.2.4): startIndex from 1, count at most <see cref="MaxResults"/>.</summary>
public sealed record ScimPage(int StartIndex, int Count)
{
    public const int MaxResults = 200;

    public static ScimPage From(HttpRequest request)
    {
        // "A value less than 1 SHALL be interpreted as 1"; a negative count as 0; more than the maximum as the maximum.
        var start = Parse(request.Query["startIndex"], "startIndex", 1);
        var count = Parse(request.Query["count"], "count", MaxResults);
        return new ScimPage((int)Math.Clamp(start, 1, int.MaxValue), (int)Math.Clamp(count, 0, MaxResults));
    }

    private static long Parse(Microsoft.Extensions.Primitives.StringValues values, string name, long fallback)
    {
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
            return fallback;
        var text = values[0]!.Trim();
        if (values.Count > 1 || text.Length is 0 or > 400 || !text.TrimStart('+', '-').All(char.IsAsciiDigit) || text.TrimStart('+', '-').Length == 0)
            throw ScimException.InvalidValue($"{name} must be an integer.");
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
            : text.StartsWith('-') ? long.MinValue : long.MaxValue;
    }

    public static JsonObject List(IEnumerable<JsonNode> resources, int total, ScimPage page)
    {
        var array = new JsonArray([.. resources]);
        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimSchemas.ListResponse),
            ["totalResults"] = total,
            ["startIndex"] = page.StartIndex,
            ["itemsPerPage"] = array.Count,
            ["Resources"] = array,
        };
    }
}

/// <summary>Who a SCIM request acts for: one token of one organization. Bound as a handler parameter on /scim/v2.</summary>
public sealed record ScimCaller(Guid TokenId, Guid OrganizationId, string TokenName)
{
    internal const string Key = "parley:scim-caller";

    /// <summary>The caller that <see cref="ScimEndpoints"/> authenticated before the handler ran.</summary>
    public static ScimCaller Of(HttpContext http) =>
        http.Items[Key] as ScimCaller ?? throw new InvalidOperationException("The route is missing the SCIM filter.");

    /// <summary>What every audit entry of the request carries: the token did it.</summary>
    public object Audited(object? more = null) => new { via = "scim", scimToken = TokenId, scimTokenName = TokenName, details = more };
}
