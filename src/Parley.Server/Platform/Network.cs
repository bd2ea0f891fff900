using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Parley.Server.Platform;

/// <summary>
/// Reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> headers the server believes. Section
/// "Parley:Network". With none configured, the headers are ignored and the client address is the connection's: a
/// caller cannot choose its own address (and escape its rate limits or sign-in throttle) by sending the header.
/// </summary>
public sealed class NetworkOptions
{
    public const string Section = "Parley:Network";

    /// <summary>Addresses of the proxies, e.g. <c>10.0.0.5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies are in, in CIDR notation, e.g. <c>10.0.0.0/8</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

public static class Network
{
    public static IServiceCollection AddParleyNetwork(this IServiceCollection services)
    {
        services.AddOptions<NetworkOptions>().BindConfiguration(NetworkOptions.Section);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<NetworkOptions>>((o, options) =>
        {
            var network = options.Value;
            // With both lists empty the middleware would believe every caller: then it reads no header at all.
            o.ForwardedHeaders = network.KnownProxies.Length + network.KnownNetworks.Length == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = null;   // walk back through every configured proxy, stopping at the first address that is not one
            o.KnownProxies.Clear();  // the defaults trust loopback: here only what is configured
            o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005   // the obsolete list of the same defaults
            o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in network.KnownProxies)
                o.KnownProxies.Add(IPAddress.TryParse(proxy.Trim(), out var address)
                    ? address
                    : throw new InvalidOperationException($"{NetworkOptions.Section}:KnownProxies: '{proxy}' is not an IP address."));
            foreach (var cidr in network.KnownNetworks)
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(cidr.Trim(), out var range)
                    ? range
                    : throw new InvalidOperationException($"{NetworkOptions.Section}:KnownNetworks: '{cidr}' is not a network like 10.0.0.0/8."));
        });
        return services;
    }
}
