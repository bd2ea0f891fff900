namespace Parley.TestOidcProvider;

/// <summary>Runs the provider alone, with one user and one client for trying Parley's sign-in by hand.</summary>
public static class Entry
{
    public static async Task Main(string[] args)
    {
        var url = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:5090";
        await using var provider = await OidcTestProvider.StartAsync(url);
        provider.AddUser(new TestUser("alice", "alice-password", "alice-subject", "alice@example.test", Name: "Alice Example"));
        var redirect = Environment.GetEnvironmentVariable("TEST_OIDC_REDIRECT_URI") ?? "http://localhost:5080/api/v1/auth/oidc/ORGANIZATION/callback";
        provider.AddClient("parley", "parley-secret", redirect);
        Console.WriteLine($"Test OpenID Connect provider: issuer {provider.Issuer}, client parley / parley-secret, user alice / alice-password.");
        var stop = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
        await stop.Task;
    }
}
