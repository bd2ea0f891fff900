using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Parley.Bench;

/// <summary>The public HTTP API, called exactly as a client calls it: JSON bodies and a bearer token.</summary>
public sealed class ParleyApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    public ParleyApi(Uri baseUri)
    {
        BaseUri = baseUri;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
        })
        { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(20) };   // a first checkpoint or integrity check over 1,000,000 entries
    }

    public Uri BaseUri { get; }

    public async Task<T> PostAsync<T>(string path, object body, string? token, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, path, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    public async Task<T> PutAsync<T>(string path, object body, string token, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, path, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    public async Task<T> GetAsync<T>(string path, string token, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, path, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    /// <summary>
    /// The hot path of the load: one send, with the JSON built by hand (the content is ASCII without quotes) so the
    /// load generator spends its CPU on the measurement, not on serializing. True when the server answered 201.
    /// </summary>
    public async Task<HttpStatusCode> SendMessageAsync(long conversationId, string content, string token, CancellationToken ct)
    {
        var body = $"{{\"content\":\"{content}\",\"clientMessageId\":\"{Guid.NewGuid()}\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversations/{conversationId}/messages")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return response.StatusCode;
    }

    /// <summary>Reads a download to its end without keeping it; the number of bytes received.</summary>
    public async Task<long> DownloadAsync(string path, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureAsync(response, path, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[81920];
        long total = 0;
        for (int read; (read = await body.ReadAsync(buffer, ct)) > 0;)
            total += read;
        return total;
    }

    public async Task<HttpStatusCode> GetStatusAsync(string path, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return response.StatusCode;
    }

    /// <summary>One page of history; returns the number of messages and the lowest seq on it.</summary>
    public async Task<(int Count, long LowestSeq)> ReadPageAsync(long conversationId, long? before, string token, CancellationToken ct)
    {
        var path = $"/api/v1/conversations/{conversationId}/messages?limit=50" + (before is { } b ? $"&before={b}" : "");
        var page = await GetAsync<PageDto>(path, token, ct);
        return (page.Messages.Count, page.Messages.Count > 0 ? page.Messages[0].Seq : 0);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string path, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    public void Dispose() => _http.Dispose();
}

public sealed record LoginResult(string Token, Guid SessionId, MeResult Me);
public sealed record MeResult(Guid Id);
public sealed record InviteResult(string Token);
public sealed record CreatedOrganizationResult(InviteResult OwnerInvite);
public sealed record UserResult(Guid Id);
public sealed record ConversationResult(long Id);
public sealed record PageMessage(long Seq);
public sealed record PageDto(List<PageMessage> Messages, bool HasMore, long LastMessageSeq);
public sealed record IntegrityResult(bool Intact, long EntriesChecked);
