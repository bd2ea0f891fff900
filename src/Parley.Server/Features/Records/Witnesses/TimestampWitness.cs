using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Parley.Server.Features.Records.Witnesses;

/// <summary>
/// Gets an RFC 3161 time-stamp of SHA-256(note) from a time-stamp authority. The token is signed by the TSA, so it
/// proves to a third party that this exact checkpoint existed at that time, whatever later happens to our database.
/// The receipt's <see cref="WitnessReceipt.Token"/> is the DER token, to keep next to the checkpoint.
/// </summary>
public sealed class TimestampWitness(IHttpClientFactory httpClients, Uri url, TimeSpan timeout) : ICheckpointWitness
{
    /// <summary>The named <see cref="HttpClient"/> this witness uses.</summary>
    public const string ClientName = "Parley.Witnesses.Timestamp";

    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    private const string TimeStampingOid = "1.3.6.1.5.5.7.3.8";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public string Name => $"rfc3161 {url}";

    public async Task<WitnessReceipt> PublishAsync(Guid organizationId, long treeSize, string note, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        var noteBytes = Utf8.GetBytes(note);
        // The nonce ties the answer to this request, so a replayed answer for the same hash is refused.
        var request = Rfc3161TimestampRequest.CreateFromData(noteBytes, HashAlgorithmName.SHA256,
            nonce: RandomNumberGenerator.GetBytes(16), requestSignerCertificates: true);

        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(request.Encode()) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await WitnessHttp.SendAsync(httpClients.CreateClient(ClientName), message, url, timeout, ct);
        if (!response.IsSuccessStatusCode)
            throw new WitnessException(
                $"The time-stamp authority at {url} refused checkpoint {treeSize} of organization {organizationId}: it answered {(int)response.StatusCode} {response.ReasonPhrase}.");

        var answer = await response.Content.ReadAsByteArrayAsync(ct);
        Rfc3161TimestampToken token;
        try
        {
            // Checks the status is granted and that hash, nonce and certificate request all match ours.
            token = request.ProcessResponse(answer, out _);
            if (!token.VerifySignatureForData(noteBytes, out _))
                throw new CryptographicException("The token's signature does not verify.");
        }
        catch (CryptographicException e)
        {
            throw new WitnessException($"The time-stamp authority at {url} gave an answer that does not stamp checkpoint {treeSize}: {e.Message}", e);
        }
        return new WitnessReceipt(Name, token.TokenInfo.Timestamp, token.AsSignedCms().Encode());
    }

    /// <summary>
    /// True when <paramref name="token"/> is a well-signed RFC 3161 token over SHA-256 of exactly this note; then
    /// <paramref name="at"/> is the time it states. It does not say whether the TSA is one to trust: for that use the
    /// overload with trusted roots.
    /// </summary>
    public static bool VerifyToken(byte[] token, string note, out DateTimeOffset at) =>
        VerifyToken(token, note, trustedRoots: null, out at);

    /// <summary>
    /// As <see cref="VerifyToken(byte[], string, out DateTimeOffset)"/>, and, when <paramref name="trustedRoots"/> is
    /// given, the signer must chain to one of them with the time-stamping purpose at the stamped time.
    /// </summary>
    public static bool VerifyToken(byte[] token, string note, X509Certificate2Collection? trustedRoots, out DateTimeOffset at)
    {
        at = default;
        try
        {
            if (!Rfc3161TimestampToken.TryDecode(token, out var decoded, out var consumed) || consumed != token.Length)
                return false;
            if (decoded.TokenInfo.HashAlgorithmId.Value != Sha256Oid)
                return false;                                        // a weaker hash would let another note match
            if (!decoded.VerifySignatureForData(Utf8.GetBytes(note), out var signer) || signer is null)
                return false;
            if (trustedRoots is not null && !Chains(signer, decoded.AsSignedCms().Certificates, trustedRoots, decoded.TokenInfo.Timestamp))
                return false;
            at = decoded.TokenInfo.Timestamp;
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)   // malformed DER, or a note that is not valid UTF-16
        {
            return false;
        }
    }

    private static bool Chains(X509Certificate2 signer, X509Certificate2Collection carried, X509Certificate2Collection trustedRoots, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        chain.ChainPolicy.ExtraStore.AddRange(carried);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(TimeStampingOid));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;   // revocation is the TSA operator's matter, checked out of band
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(signer);
    }
}
