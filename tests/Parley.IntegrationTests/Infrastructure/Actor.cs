using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>A signed-in person, with the calls tests make most.</summary>
public sealed class Actor(ParleyApp app, Guid id, Guid organizationId, string email, string password, string handle, string name, string token)
{
    public Guid Id { get; } = id;
    public Guid OrganizationId { get; } = organizationId;
    public string Email { get; } = email;
    public string Password { get; } = password;
    public string Handle { get; } = handle;
    public string Name { get; } = name;
    public string Token { get; } = token;
    public HttpClient Http { get; } = app.Http(token);

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path);
    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) => Http.PostAsJsonAsync(path, body ?? new { });
    public Task<HttpResponseMessage> PatchAsync(string path, object body) => Http.PatchAsJsonAsync(path, body);
    public Task<HttpResponseMessage> PutAsync(string path, object? body = null) => Http.PutAsJsonAsync(path, body ?? new { });
    public Task<HttpResponseMessage> DeleteAsync(string path) => Http.DeleteAsync(path);

    public async Task<T> GetOkAsync<T>(string path) => await (await GetAsync(path)).ReadAsync<T>(HttpStatusCode.OK);

    public async Task<ConversationDto> CreateChannelAsync(string name, string visibility = "public", params Actor[] members)
    {
        var response = await PostAsync("/api/v1/conversations", new { name, visibility, memberIds = members.Select(m => m.Id) });
        return await response.ReadAsync<ConversationDto>(HttpStatusCode.Created);
    }

    public async Task<ConversationDto> OpenDirectAsync(params Actor[] others)
    {
        var response = await PostAsync("/api/v1/conversations/direct", new { userIds = others.Select(o => o.Id) });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ConversationDto>(JsonSerializerOptions.Web))!;
    }

    public async Task<MessageDto> SendAsync(long conversationId, string content, Guid? clientMessageId = null, long? threadRootId = null)
    {
        var response = await PostAsync($"/api/v1/conversations/{conversationId}/messages",
            new { content, clientMessageId = clientMessageId ?? Guid.NewGuid(), threadRootId });
        return await response.ReadAsync<MessageDto>(HttpStatusCode.Created);
    }

    public Task<ConversationDto> ConversationAsync(long conversationId) => GetOkAsync<ConversationDto>($"/api/v1/conversations/{conversationId}");

    public override string ToString() => Name;
}

/// <summary>An organization made through the API: the operator creates it, Alice accepts the owner invite.</summary>
public sealed class Org
{
    private static int _counter;
    private readonly ParleyApp _app;

    private Org(ParleyApp app, Guid id, string domain, Actor owner)
    {
        _app = app;
        Id = id;
        Domain = domain;
        Owner = owner;
    }

    public Guid Id { get; }
    public string Domain { get; }
    public Actor Owner { get; }

    public static async Task<Org> CreateAsync(ParleyApp app)
    {
        var domain = $"org{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}".Substring(0, 20) + ".test";
        var op = await app.OperatorAsync();
        var created = await (await op.PostAsync("/api/v1/operator/organizations", new { name = $"Org {domain}", ownerEmail = $"alice@{domain}" }))
            .ReadAsync<Parley.Server.Features.Organizations.CreatedOrganizationDto>(HttpStatusCode.Created);
        var owner = await AcceptAsync(app, created.OwnerInvite.Token, $"alice@{domain}", "Alice");
        return new Org(app, created.Organization.Id, domain, owner);
    }

    /// <summary>Someone invited by Alice with the given role, signed in.</summary>
    public async Task<Actor> MemberAsync(string name, string role = "member")
    {
        var email = $"{name.ToLowerInvariant()}@{Domain}";
        var invite = await (await Owner.PostAsync("/api/v1/users/invites", new { email, role })).ReadAsync<InviteDto>(HttpStatusCode.Created);
        return await AcceptAsync(_app, invite.Token, email, name);
    }

    /// <summary>Accepts an invite; the answer signs the newcomer in, as a sign-in would.</summary>
    public static async Task<Actor> AcceptAsync(ParleyApp app, string token, string email, string name, string password = "a long test password")
    {
        using var http = app.Http();
        var accepted = await (await http.PostAsJsonAsync("/api/v1/invites/accept", new { token, displayName = name, password, deviceName = "test device" }))
            .ReadAsync<LoginResultDto>(HttpStatusCode.Created);
        Assert.Equal(email, accepted.Me.Email);
        return new Actor(app, accepted.Me.Id, accepted.Me.OrganizationId, email, password, accepted.Me.Handle, accepted.Me.DisplayName, accepted.Token);
    }

    /// <summary>Someone invited by Alice with that email and password, signed in.</summary>
    public async Task<Actor> MemberAsync(string name, string email, string password, string role = "member")
    {
        var invite = await (await Owner.PostAsync("/api/v1/users/invites", new { email, role })).ReadAsync<InviteDto>(HttpStatusCode.Created);
        return await AcceptAsync(_app, invite.Token, email, name, password);
    }
}

public static class HttpAssertions
{
    public static async Task ShouldBe(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
            Assert.Fail($"Expected {(int)expected} {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.ShouldBe(expected);
        return (await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web))!;
    }

    /// <summary>Asserts an RFC 7807 problem with the given status and stable code, and returns it.</summary>
    public static async Task<JsonElement> ShouldBeProblem(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
