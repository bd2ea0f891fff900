using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// A small Kestrel server on a free loopback port that answers every request with <paramref name="handle"/>: the other
/// end of an outgoing call (a witness receiver, a time-stamp authority), real HTTP rather than a mocked handler.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;

    private LoopbackServer(WebApplication app, string root, Uri url) => (_app, _root, Url) = (app, root, url);

    /// <summary>The server's address, ending in a slash.</summary>
    public Uri Url { get; }

    public static async Task<LoopbackServer> StartAsync(RequestDelegate handle)
    {
        // Its own empty content root: the test directory holds Parley's appsettings.json, which is not for this server.
        var root = Directory.CreateTempSubdirectory("parley-loopback-").FullName;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = root });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackServer(app, root, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>
    /// A loopback URL where nothing listens, for as long as the result lives: its port stays bound without listening, so
    /// connections are refused and no other server can take the port meanwhile.
    /// </summary>
    public static Unreachable UnreachableUrl()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new Unreachable(socket, new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/checkpoints"));
    }

    public sealed class Unreachable(System.Net.Sockets.Socket socket, Uri url) : IDisposable
    {
        public Uri Url { get; } = url;

        public void Dispose() => socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
