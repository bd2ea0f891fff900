using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>Calls the sign-in, people and audit tests make, on top of <see cref="Actor"/> and <see cref="ParleyApp"/>.</summary>
public static class AccountHelpers
{
    private static int _addressCounter;

    /// <summary>Posts a sign-in and returns the raw answer, for tests that look at failures.</summary>
    public static Task<HttpResponseMessage> PostLoginAsync(this HttpClient http, string email, string password, string device = "test device") =>
        http.PostAsJsonAsync("/api/v1/auth/login", new { email, password, deviceName = device });

    /// <summary>Posts a sign-in to one organization and returns the raw answer.</summary>
    public static Task<HttpResponseMessage> PostLoginAsync(this HttpClient http, string email, string password, Guid? organizationId) =>
        http.PostAsJsonAsync("/api/v1/auth/login", new { email, password, deviceName = "test device", organizationId });

    /// <summary>Waits until every failed sign-in so far is in the audit log (they are written after the answer).</summary>
    public static Task FailedSignInsAuditedAsync(this ParleyApp app) =>
        app.Services.GetRequiredService<FailedSignIns>().FlushAsync(TestContext.Current.CancellationToken);

    /// <summary>The same person signed in once more, on another named device.</summary>
    public static Task<Actor> SignInAgainAsync(this ParleyApp app, Actor actor, string device) =>
        app.LoginAsync(actor.Email, actor.Password, device);

    public static Task<MeDto> MeAsync(this Actor actor) => actor.GetOkAsync<MeDto>("/api/v1/users/me");

    /// <summary>The organization's audit log as an admin reads it, newest first, optionally of one action only.</summary>
    public static Task<List<AuditEventDto>> AuditAsync(this Actor admin, string? action = null) =>
        admin.GetOkAsync<List<AuditEventDto>>(action is null ? "/api/v1/admin/audit" : $"/api/v1/admin/audit?action={action}");

    public static Task<List<UserDto>> UsersAsync(this Actor actor) => actor.GetOkAsync<List<UserDto>>("/api/v1/users");

    /// <summary>
    /// A client whose connections come from another loopback address (all of 127.0.0.0/8 is loopback on Linux),
    /// so per-address limits see a caller of its own.
    /// </summary>
    public static HttpClient HttpFrom(this ParleyApp app, IPAddress source, string? token = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A loopback address no other caller in this test run uses.</summary>
    public static IPAddress UniqueLoopbackAddress()
    {
        var n = Interlocked.Increment(ref _addressCounter);
        return new IPAddress([127, 0, (byte)(10 + n / 250), (byte)(2 + n % 250)]);
    }

    /// <summary>Waits until the server has closed the live connection, or fails.</summary>
    public static async Task ShouldBeClosedByServerAsync(this LiveClient live)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        live.Hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        if (live.Hub.State == HubConnectionState.Disconnected)
            closed.TrySetResult();
        var finished = await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(15)));
        Assert.True(finished == closed.Task, $"The live connection is still {live.Hub.State} 15 s later.");
        Assert.Equal(HubConnectionState.Disconnected, live.Hub.State);
    }

    /// <summary>A 404 problem that tells nothing about what it hides.</summary>
    public static async Task ShouldBeHiddenAsync(this HttpResponseMessage response, params string[] secrets)
    {
        var body = await response.Content.ReadAsStringAsync();
        var request = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{request}: expected 404, got {(int)response.StatusCode}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{request}: not a problem: {body}");
        Assert.Equal("not-found", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        foreach (var secret in secrets)
            Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
    }
}
