using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Organizations;

/// <summary>
/// The first organization and its owner, for an empty database. Section "Parley:Bootstrap", so
/// <c>Parley__Bootstrap__Organization</c>, <c>__Email</c> and <c>__Password</c> in the environment.
/// </summary>
public sealed class BootstrapOptions
{
    public const string Section = "Parley:Bootstrap";

    public string? Organization { get; set; }
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string? DisplayName { get; set; }

    public bool IsComplete => Missing.Count == 0;

    public bool IsAnySet => Missing.Count < 3 || !string.IsNullOrWhiteSpace(DisplayName);

    /// <summary>The environment variables still needed to bootstrap, for the log.</summary>
    public IReadOnlyList<string> Missing =>
        new[] { ("Organization", Organization), ("Email", Email), ("Password", Password) }
            .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => $"Parley__Bootstrap__{s.Item1}").ToList();
}

/// <summary>Holds the hash of the one-time setup token while the database has no organization.</summary>
public sealed class SetupToken
{
    private string? _hash;

    public string Issue()
    {
        var token = Secrets.NewToken();
        _hash = Secrets.Hash(token);
        return token;
    }

    public bool Redeem(string token)
    {
        var expected = Interlocked.CompareExchange(ref _hash, null, null);
        if (expected is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(Secrets.Hash(token))))
            return false;
        return Interlocked.CompareExchange(ref _hash, null, expected) == expected;   // single use, even under a race
    }
}

public sealed partial class Bootstrap(
    ParleyDb db, IOptions<BootstrapOptions> options, PasswordHasher passwords, TimeProvider clock, SetupToken setup,
    IHostApplicationLifetime lifetime, IServer server, ILogger<Bootstrap> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (await db.Organizations.AnyAsync(ct))
        {
            // Someone who sets these expects to sign in with them; say why that account may not exist.
            if (o.IsAnySet)
                LogBootstrapIgnored(logger, o.Email ?? "(none)");
            return;
        }

        if (o.IsComplete)
        {
            var owner = await CreateFirstAsync(db, passwords, clock.GetUtcNow(), o.Organization!, o.Email!, o.DisplayName ?? "Owner", o.Password!, null, ct);
            LogBootstrapped(logger, owner.OrganizationId);
            return;
        }
        if (o.IsAnySet)
            LogBootstrapIncomplete(logger, string.Join(", ", o.Missing));

        var token = setup.Issue();
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5080";
            address = address.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost");
            Console.WriteLine(SetupInstructions(address, token));
        });
    }

    /// <summary>What the server prints on an empty database: the setup link, and the same as a curl command.</summary>
    public static string SetupInstructions(string address, string token) => $$"""

          Parley has no organization yet. Create the first one and its owner here (the link works once):
          {{address}}/setup#{{token}}
          or with curl:
          curl -X POST {{address}}/api/v1/setup -H 'Content-Type: application/json' \
            -d '{"token":"{{token}}","organization":"Acme","email":"you@example.com","displayName":"You","password":"a long password"}'
          (or set Parley__Bootstrap__Organization, Parley__Bootstrap__Email and Parley__Bootstrap__Password)

        """;

    /// <summary>Creates an organization with its first owner, who is also an operator of the deployment.</summary>
    public static async Task<User> CreateFirstAsync(ParleyDb db, PasswordHasher passwords, DateTimeOffset now, string organizationName,
        string email, string displayName, string password, string? address, CancellationToken ct)
    {
        if (password.Length is < PasswordOptions.MinLength or > PasswordOptions.MaxLength)
            throw new DomainException("password-invalid", $"Passwords are {PasswordOptions.MinLength} to {PasswordOptions.MaxLength} characters.", 400);
        var org = new Organization(organizationName, now);
        var owner = new User(org.Id, email, displayName, User.HandleFrom(email), OrgRole.Owner, passwords.Hash(password), now);
        owner.MakeOperator();
        db.Organizations.Add(org);
        db.Users.Add(owner);

        // One transaction: the organization row is saved first (its audit chain head lives on it), then its first event.
        await using var tx = await db.BeginWriteAsync(ct);
        await db.SaveChangesAsync(ct);
        await db.AuditAsync(org.Id, AuditAction.OrganizationCreated, owner.Id, "organization", org.Id.ToString(),
            new { name = org.Name, bootstrap = true }, address, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return owner;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first organization {OrganizationId} from configuration")]
    private static partial void LogBootstrapped(ILogger logger, Guid organizationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Parley__Bootstrap__* settings (owner {Email}) are ignored: this database already has an " +
        "organization, and bootstrap only creates the first one. Sign in with an account of that database (the owner created at setup " +
        "or by an earlier bootstrap), or start with an empty database (another Parley__DataDirectory, or delete the data directory) " +
        "to bootstrap from these settings. Remove them to silence this warning.")]
    private static partial void LogBootstrapIgnored(ILogger logger, string email);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Parley__Bootstrap__* settings are incomplete, so no organization was created " +
        "from them: set {Missing} too, or use the setup link printed below.")]
    private static partial void LogBootstrapIncomplete(ILogger logger, string missing);
}

