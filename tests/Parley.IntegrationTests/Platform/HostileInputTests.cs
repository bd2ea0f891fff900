using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Platform;

/// <summary>
/// Every operation of the OpenAPI document, against malformed JSON, wrong types, huge numbers, empty and oversize strings
/// and a corpus of hostile text in every string field, route and query parameter. Each operation gets an organization of
/// its own with real ids (a channel, a message, a file, a member, a session), so requests reach the handlers' deep code.
/// Nothing may answer 5xx, every 4xx is a problem with a code, nothing reaches the server log at Error level, and the
/// server stays ready. Nothing here names an endpoint: a new one is tested as soon as it is mapped.
/// </summary>
public abstract class HostileInputTests(ParleyApp app)
{
    private const string LoneSurrogate = "\u0001LONE-SURROGATE\u0001";   // written into JSON as the escape \ud800

    /// <summary>Text no field should choke on.</summary>
    private static readonly string[] Corpus =
    [
        "", " ", "\r\n\t", new string('x', 100_000), new string('@', 100_000), "a\u0000b", LoneSurrogate,
        "\u202Eevil\u202C.exe", "\u200B\u200D\uFEFF\u2066", "\u2028\u2029", "\u0085\u009F\u007F", "\uFFFF\uFFFE",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "javascript:alert(1)",
        new string('>', 128) + " deep", string.Concat(Enumerable.Repeat("- ", 64)), new string('[', 3000),
        string.Concat(Enumerable.Repeat("*a", 2000)), string.Concat(Enumerable.Repeat("[](", 1300)),
        string.Concat(Enumerable.Repeat("|a", 1000)) + "\n" + string.Concat(Enumerable.Repeat("|-", 1000)),
        "'; DROP TABLE \"Users\"; --", "../../etc/passwd", "%00", "{{7*7}}${7*7}", "e\u0301", "👩\u200D💻",
        string.Concat(Enumerable.Repeat("𝕏", 1000)), "99999999999999999999",
    ];

    /// <summary>Values of the wrong type or size for any JSON property.</summary>
    private static readonly string[] OddJson =
    [
        "null", "true", "-1", "1.5", "1e309", "99999999999999999999999999", "-9223372036854775808", "\"x\"", "{\"a\":[1]}", "[null]",
    ];

    /// <summary>More for array properties: too many items, and items of the wrong kind.</summary>
    private static readonly string[] OddArrays =
    [
        "[\"not-a-guid\"]", "[42]", "[[]]", "[" + string.Join(',', Enumerable.Repeat("\"00000000-0000-0000-0000-000000000001\"", 10_001)) + "]",
    ];

    private static readonly string[] MalformedBodies =
    [
        "", "{", "[1,", "{\"a\":}", "null", "\"text\"", "[]", "42", "{'a': 1}", "{\"a\":1}{}",
        new string('[', 5000) + new string(']', 5000), "\u0000", "{\"a\":\"\\ud800\"}",
    ];

    [Fact]
    public async Task Every_endpoint_answers_hostile_input_without_a_server_error()
    {
        var run = Guid.NewGuid().ToString("N");
        var document = await OpenApiDocument.ReadAsync(app);
        var endpoints = OpenApiDocument.ApiEndpoints(app);
        var failures = new ConcurrentQueue<string>();
        var sent = 0;
        var readersWorld = new Lazy<Task<World>>(() => World.CreateAsync(app));   // reads change nothing: they share one

        await Parallel.ForEachAsync(endpoints, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken },
            async (endpoint, ct) =>
            {
                var operation = document.Operation(endpoint.Path, endpoint.Method)
                    ?? throw new Xunit.Sdk.XunitException($"{endpoint.Method} {endpoint.Path} is not in /openapi/v1.json");
                var world = endpoint.Method == "GET" ? await readersWorld.Value : await World.CreateAsync(app);
                var caller = endpoint.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == "operator")
                    ? await app.OperatorAsync() : world.Alice;
                foreach (var request in Requests(document, endpoint, operation, world))
                {
                    using var message = request.ToMessage(run);
                    using var response = await caller.Http.SendAsync(message, ct);
                    Interlocked.Increment(ref sent);
                    if (await FailureAsync(response) is { } failure)
                        failures.Enqueue($"{endpoint.Method} {endpoint.Path} {request.Description}: {failure}");
                }
            });

        Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} hostile requests were mishandled:\n" + string.Join('\n', failures.Take(25)));
        Assert.True(ErrorLog.For(run).Count == 0, "The server logged errors:\n" + string.Join('\n', ErrorLog.For(run).Take(10)));
        using var anonymous = app.Http();
        var ready = await anonymous.GetAsync("/readyz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(sent > 1000, $"only {sent} requests were sent");
    }

    private static async Task<string?> FailureAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status < 400)
            return null;
        var body = await response.Content.ReadAsStringAsync();
        var shown = body.Length > 300 ? body[..300] + "…" : body;
        if (status >= 500)
            return $"{status} {shown}";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"{status} is not a problem: {shown}";
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 }
                ? null
                : $"{status} problem without a code: {shown}";
        }
        catch (JsonException)
        {
            return $"{status} problem that is not JSON: {shown}";
        }
    }

    /// <summary>The baseline request, then every hostile variation of its body, route and query.</summary>
    private static IEnumerable<HostileRequest> Requests(OpenApiDocument document, OpenApiDocument.ApiEndpoint endpoint, JsonObject operation, World world)
    {
        var parameters = (operation["parameters"]?.AsArray() ?? []).OfType<JsonObject>()
            .Select(p => (Name: p["name"]!.GetValue<string>(), In: p["in"]!.GetValue<string>(), Schema: p["schema"] as JsonObject))
            .ToList();
        var route = parameters.Where(p => p.In == "path").ToDictionary(p => p.Name, p => Encode(world.ValueFor(p.Name, p.Schema)));
        var query = parameters.Where(p => p.In == "query").ToList();
        var schema = document.JsonBodySchema(operation);
        var properties = schema?["properties"]?.AsObject().ToDictionary(p => p.Key, p => p.Value as JsonObject) ?? [];
        var baseline = properties.ToDictionary(p => p.Key, p => world.JsonFor(p.Key, p.Value is null ? null : document.Resolve(p.Value)));
        var multipart = operation["requestBody"]?["content"]?["multipart/form-data"] is not null || endpoint.Path.EndsWith("/files", StringComparison.Ordinal);

        string Path(Dictionary<string, string> values) =>
            values.Aggregate(endpoint.Path, (path, value) => path.Replace($"{{{value.Key}}}", value.Value, StringComparison.Ordinal));
        HostileRequest Make(string description, string? path = null, string? json = null, string contentType = "application/json",
            string queryString = "", HttpContent? content = null) =>
            new(endpoint.Method, (path ?? Path(route)) + queryString, description, schema is null ? null : json ?? Body(baseline), contentType, content);

        yield return Make("baseline");

        foreach (var (name, _) in route)
            foreach (var text in UrlValues(parameters.Single(p => p.Name == name).Schema))
                yield return Make($"route {name}={Shown(text)}", path: Path(new(route) { [name] = text }));

        foreach (var (name, _, _) in query)
            foreach (var text in UrlCorpus.Concat(["-1", "0", "%FF"]))
                yield return Make($"query {name}={Shown(text)}", queryString: $"?{name}={text}");

        if (schema is not null)
        {
            foreach (var body in MalformedBodies)
                yield return Make($"body {Shown(body)}", json: body);
            yield return Make("body as text/plain", contentType: "text/plain");
            foreach (var (name, property) in properties)
            {
                var type = property is null ? "" : document.Resolve(property)["type"]?.ToString() ?? "";
                var isString = type.Contains("string");
                foreach (var odd in type.Contains("array") ? OddJson.Concat(OddArrays) : OddJson)
                    yield return Make($"{name}: {Shown(odd)}", json: Body(new(baseline) { [name] = odd }));
                if (isString)
                    foreach (var text in Corpus)
                        yield return Make($"{name}: {Shown(text)}", json: Body(new(baseline) { [name] = Json(text) }));
            }
        }

        if (multipart)
            foreach (var name in Corpus.Where(c => c.Length <= 2000))
            {
                var part = new ByteArrayContent(Encoding.UTF8.GetBytes(name));
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"file\"; filename*=UTF-8''{Encode(name)}");
                yield return Make($"file named {Shown(name)}", content: new MultipartFormDataContent { part });
            }
    }

    /// <summary>
    /// The corpus as URL text. Kestrel refuses, before the application sees them, request lines over 8 KB (414) and a NUL
    /// in the path (400), so the path gets no NUL and nothing gets more than 4,000 characters.
    /// </summary>
    private static readonly string[] UrlCorpus = Corpus.Select(Encode).Where(e => e.Length <= 4000).ToArray();

    private static IEnumerable<string> UrlValues(JsonObject? schema) =>
        schema?["type"]?.ToString().Contains("string") == true && schema["format"] is null
            ? UrlCorpus.Where(e => e.Length > 0 && !e.Contains("%00", StringComparison.Ordinal)).Append("%FF")
            : ["99999999999999999999", "-1", "0", "abc", "00000000-0000-0000-0000-000000000000"];

    /// <summary>Percent-encoded UTF-8; the lone surrogate as the bytes of one, which are not UTF-8.</summary>
    private static string Encode(string text) => text == LoneSurrogate
        ? "%ED%A0%80"
        : string.Concat(Encoding.UTF8.GetBytes(text).Select(b => $"%{b:X2}"));

    private static string Json(string text) =>
        JsonSerializer.Serialize(text).Replace(JsonSerializer.Serialize(LoneSurrogate)[1..^1], "\\ud800", StringComparison.Ordinal);

    private static string Body(Dictionary<string, string> properties) =>
        "{" + string.Join(',', properties.Select(p => $"{JsonSerializer.Serialize(p.Key)}:{p.Value}")) + "}";

    private static string Shown(string text) => text.Length > 40 ? $"{text[..20]}… ({text.Length} chars)" : text;

    private sealed record HostileRequest(string Method, string Path, string Description, string? Json, string ContentType, HttpContent? Content)
    {
        public HttpRequestMessage ToMessage(string run)
        {
            var message = new HttpRequestMessage(new HttpMethod(Method), Path);
            message.Headers.Add(ErrorLog.Header, run);
            if (Content is not null)
                message.Content = Content;
            else if (Json is not null)
                message.Content = new StringContent(Json, new UTF8Encoding(false), ContentType);
            return message;
        }
    }

    /// <summary>An organization with real things in it for one operation: Alice (owner), Bob, a channel, a message, a file.</summary>
    private sealed record World(Actor Alice, Guid Bob, ConversationDto Channel, MessageDto Message, FileDto File, Guid OtherSession)
    {
        public static async Task<World> CreateAsync(ParleyApp app)
        {
            var org = await app.OrganizationAsync();
            var alice = org.Owner;
            var invite = await (await alice.PostAsync("/api/v1/users/invites", new { email = $"bob@{org.Domain}" }))
                .ReadAsync<Parley.Server.Features.Accounts.InviteDto>(HttpStatusCode.Created);
            using var anonymous = app.Http();
            var bob = await (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(anonymous, "/api/v1/invites/accept",
                new { token = invite.Token, displayName = "Bob", password = "a long test password" }))
                .ReadAsync<Parley.Server.Features.Accounts.LoginResultDto>(HttpStatusCode.Created);
            var channel = await (await alice.PostAsync("/api/v1/conversations", new { name = $"hostile-{Guid.NewGuid():N}", visibility = "public", memberIds = new[] { bob.Me.Id } }))
                .ReadAsync<ConversationDto>(HttpStatusCode.Created);
            var message = await alice.SendAsync(channel.Id, "a message to edit, react to and delete");
            var file = await alice.UploadOkAsync(channel.Id, "file"u8.ToArray());
            var other = await app.SignInAgainAsync(alice, "other device");
            return new World(alice, bob.Me.Id, channel, message, file, (await other.MeAsync()).SessionId);
        }

        /// <summary>A real value for a route parameter, by its name, else one of its type.</summary>
        public string ValueFor(string name, JsonObject? schema) => name switch
        {
            "conversationId" => Channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "messageId" => Message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "userId" => Bob.ToString(),
            "fileId" => File.Id.ToString(),
            "sessionId" => OtherSession.ToString(),
            "emoji" => "👍",
            _ => schema?["type"]?.ToString().Contains("integer") == true ? "1" : schema?["format"]?.ToString() == "uuid" ? Guid.NewGuid().ToString() : "x",
        };

        /// <summary>A valid JSON value for a body property, by its name, else one of its type.</summary>
        public string JsonFor(string name, JsonObject? schema) => name switch
        {
            "content" => Json("hello @bob"),
            "email" or "ownerEmail" => Json($"someone-{Guid.NewGuid():N}@hostile.test"),
            "password" => Json("a long test password"),
            "visibility" => Json("public"),
            "role" => Json("member"),
            "userId" => Json(Bob.ToString()),
            "userIds" or "memberIds" => $"[{Json(Bob.ToString())}]",
            "attachmentIds" => $"[{Json(File.Id.ToString())}]",
            "threadRootId" => Message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "seq" => "1",
            _ => (schema?["type"]?.ToString(), schema?["format"]?.ToString()) switch
            {
                (var t, "uuid") when t?.Contains("string") == true => Json(Guid.NewGuid().ToString()),
                (var t, _) when t?.Contains("string") == true => Json($"name {Guid.NewGuid():N}"[..20]),
                (var t, _) when t?.Contains("integer") == true || t?.Contains("number") == true => "1",
                (var t, _) when t?.Contains("boolean") == true => "true",
                (var t, _) when t?.Contains("array") == true => "[]",
                _ => "null",
            },
        };
    }
}

public sealed class SqliteHostileInputTests(SqliteApp app) : HostileInputTests(app);

public sealed class PostgresHostileInputTests : HostileInputTests
{
    public PostgresHostileInputTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
