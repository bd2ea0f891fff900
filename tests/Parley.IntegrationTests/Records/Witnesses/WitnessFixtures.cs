using Microsoft.Extensions.DependencyInjection;

namespace Parley.IntegrationTests.Records.Witnesses;

/// <summary>The real <see cref="IHttpClientFactory"/>, as the server registers it, and a checkpoint-shaped note.</summary>
internal static class WitnessFixtures
{
    public static IHttpClientFactory Clients { get; } =
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();

    public static string Note(Guid organizationId, long treeSize, string root = "bm90IGEgcmVhbCByb290IGJ1dCAzMiBieXRlcyBsb25nIQ==") =>
        $"parley.local/o/{organizationId}\n{treeSize}\n{root}\n\n— parley.local/o/{organizationId} AAAAAWZha2Ugc2lnbmF0dXJl\n";
}
