using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Scim;

namespace Parley.IntegrationTests.Scim;

/// <summary>A directory speaking SCIM to the real server over HTTP, with one provisioning token, as Entra ID or Okta do.</summary>
public sealed class ScimClient(ParleyApp app, string? token) : IDisposable
{
    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    public const string PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
    public const string ListSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

    private readonly HttpClient _http = app.Http(token);

    public Guid TokenId { get; init; }

    /// <summary>An organization's admin makes a token through the normal API; the client uses it.</summary>
    public static async Task<ScimClient> ForAsync(ParleyApp app, Actor admin, string name = "Directory")
    {
        var created = await (await admin.PostAsync("/api/v1/organization/scim-tokens", new { name }))
            .ReadAsync<CreatedScimTokenDto>(HttpStatusCode.Created);
        return new ScimClient(app, created.Token) { TokenId = created.ScimToken.Id };
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Sends raw text as application/scim+json, as directories do.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, "/scim/v2" + path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/scim+json"));
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/scim+json");
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<HttpResponseMessage> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, Json(body));
    public Task<HttpResponseMessage> PutAsync(string path, object body, string? ifMatch = null) => SendAsync(HttpMethod.Put, path, Json(body), ifMatch);
    public Task<HttpResponseMessage> PatchAsync(string path, object body, string? ifMatch = null) => SendAsync(HttpMethod.Patch, path, Json(body), ifMatch);
    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public static string Json(object body) => body as string ?? JsonSerializer.Serialize(body);

    /// <summary>A PatchOp message with these operations.</summary>
    public static object Patch(params object[] operations) => new Dictionary<string, object>
    {
        ["schemas"] = new[] { PatchOpSchema }, ["Operations"] = operations,
    };
}

public static class ScimAssertions
{
    /// <summary>The answer's status, its SCIM media type, and its body as JSON.</summary>
    public static async Task<JsonObject> ScimAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>A SCIM error (RFC 7644 §3.12) with this status and scimType (null: none).</summary>
    public static async Task<JsonObject> ScimErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string? scimType = null)
    {
        var error = await response.ScimAsync(status);
        Assert.Equal(ScimClient.ErrorSchema, error["schemas"]![0]!.GetValue<string>());
        Assert.Equal(((int)status).ToString(), error["status"]!.GetValue<string>());
        Assert.Equal(scimType, error["scimType"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["detail"]?.GetValue<string>()));
        return error;
    }

    public static string Id(this JsonObject resource) => resource["id"]!.GetValue<string>();
    public static string Version(this JsonObject resource) => resource["meta"]!["version"]!.GetValue<string>();

    public static List<JsonObject> Resources(this JsonObject list) => [.. list["Resources"]!.AsArray().Select(r => r!.AsObject())];
}
