using System.Globalization;
using System.Text;

namespace Parley.Server.Features.Records.Witnesses;

/// <summary>
/// POSTs each checkpoint to a URL the operator runs elsewhere (another machine, another administrator), as
/// <c>text/plain; charset=utf-8</c> with <c>Parley-Organization</c> and <c>Parley-Tree-Size</c> headers. Any 2xx answer
/// means the receiver holds it; anything else, or no answer within the timeout, throws <see cref="WitnessException"/>.
/// </summary>
public sealed class HttpWitness(IHttpClientFactory httpClients, Uri url, TimeSpan timeout, TimeProvider clock) : ICheckpointWitness
{
    /// <summary>The named <see cref="HttpClient"/> this witness uses, for proxies or handlers set by the operator.</summary>
    public const string ClientName = "Parley.Witnesses.Http";

    public string Name => $"http {url}";

    public async Task<WitnessReceipt> PublishAsync(Guid organizationId, long treeSize, string note, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(note, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), "text/plain"),
        };
        request.Headers.Add("Parley-Organization", organizationId.ToString("D"));
        request.Headers.Add("Parley-Tree-Size", treeSize.ToString(CultureInfo.InvariantCulture));

        using var response = await WitnessHttp.SendAsync(httpClients.CreateClient(ClientName), request, url, timeout, ct);
        if (!response.IsSuccessStatusCode)
            throw new WitnessException(
                $"The HTTP witness at {url} refused checkpoint {treeSize} of organization {organizationId}: it answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        return new WitnessReceipt(Name, clock.GetUtcNow(), Token: null);
    }
}

/// <summary>The send shared by the HTTP witnesses: a timeout of our own, and failures that name the URL.</summary>
internal static class WitnessHttp
{
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, Uri url, TimeSpan timeout, CancellationToken ct)
    {
        client.Timeout = Timeout.InfiniteTimeSpan;                    // our deadline decides, and says so in the message
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            // The whole body is read before the deadline ends, so a receiver that stalls mid-answer times out too.
            return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new WitnessException($"The witness at {url} did not answer within {timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e)
        {
            var status = e.StatusCode is { } code ? $"{(int)code}" : e.HttpRequestError.ToString();
            throw new WitnessException($"The witness at {url} could not be reached ({status}): {e.Message}", e);
        }
    }
}
