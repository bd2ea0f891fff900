using System.Net.Http.Headers;

namespace Parley.Server.Features.Notifications;

/// <summary>
/// RFC 8292 §2: the VAPID token's <c>aud</c> is the push resource's origin, port included. Lib.Net.Http.WebPush 3.3.1
/// leaves the port out, which every push service on 443 accepts but one on another port (a test's, a self-hosted one)
/// rightly refuses: for those, the token is signed again for the whole origin.
/// </summary>
internal sealed class VapidOriginHandler(PushKeys keys) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (request.RequestUri is { IsDefaultPort: false } uri && request.Headers.Authorization?.Scheme == "vapid")
        {
            var authentication = await keys.AuthenticationAsync(ct);
            request.Headers.Authorization = new AuthenticationHeaderValue("vapid",
                authentication.GetVapidSchemeAuthenticationHeaderValueParameter(uri.GetLeftPart(UriPartial.Authority)));
        }
        return await base.SendAsync(request, ct);
    }
}
