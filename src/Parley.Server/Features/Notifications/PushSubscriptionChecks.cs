using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Parley.Server.Features.Notifications;

/// <summary>What a push subscription must look like before the server will ever post to it.</summary>
public static class PushSubscriptionChecks
{
    /// <summary>The endpoint as stored, or why it is refused.</summary>
    public static (Uri? Endpoint, string? Refusal) Endpoint(string? endpoint, bool allowInsecure)
    {
        if (string.IsNullOrWhiteSpace(endpoint) || endpoint.Length > PushSubscription.MaxEndpointLength
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            return (null, $"The endpoint is an absolute URL of at most {PushSubscription.MaxEndpointLength} characters.");
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowInsecure && uri.Scheme == Uri.UriSchemeHttp))
            return (null, "The endpoint is an https URL.");
        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
            return (null, "The endpoint carries no user name, password or fragment.");
        if (!allowInsecure && (uri.IsLoopback || uri.HostNameType == UriHostNameType.Basic
                || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && !IsPublic(address))))
            return (null, "The endpoint is a push service on the internet, not a private or loopback address.");
        return (uri, null);
    }

    /// <summary>Whether <paramref name="p256dh"/> is an uncompressed P-256 point and <paramref name="auth"/> 16 bytes, base64url.</summary>
    public static bool KeysValid(string? p256dh, string? auth)
    {
        if (Decode(auth) is not { Length: 16 } || Decode(p256dh) is not { Length: 65 } point || point[0] != 0x04)
            return false;
        try
        {
            using var key = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;      // not a point on the curve
        }
    }

    /// <summary>Where the server may post pushes: public unicast addresses only (unless insecure endpoints are allowed).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 0 || b[0] >= 224 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127));
    }

    private static byte[]? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 100)
            return null;
        var base64 = text.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
