using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// The real server on a real Kestrel socket on loopback, on a fresh database migrated with the migrations we ship.
/// One per engine for the whole test run; every test makes its own organization, so tests never share data.
/// </summary>
public abstract class ParleyApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string OperatorEmail = "operator@parley.test", OperatorPassword = "operator-password-1";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"parley-test-{Guid.NewGuid():N}");
    private readonly SemaphoreSlim _operatorLock = new(1, 1);
    private Actor? _operator;

    protected abstract DatabaseProvider Provider { get; }

    public DatabaseProvider Engine => Provider;
    protected abstract string ConnectionString { get; }

    /// <summary>False when the engine is not available on this machine; the test classes then skip.</summary>
    public virtual bool IsConfigured => true;

    /// <summary>Settings a test app may override (lower rate limits, smaller file limit…).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    /// <summary>Services a test app replaces, such as the clock.</summary>
    protected virtual void ConfigureServices(IServiceCollection services) { }

    /// <summary>False where a test moves the clock: a kept session could expire, so the operator signs in for each use.</summary>
    protected virtual bool KeepsOperatorSignedIn => true;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What this server logged at warning level and above.</summary>
    public LogSink Logs { get; } = new();

    /// <summary>
    /// Another server on the same engine, just started, with its own database: for tests about a fresh server, or that
    /// read the whole server log. Dispose it.
    /// </summary>
    public async Task<ParleyApp> StartAnotherAsync()
    {
        var another = (ParleyApp)Activator.CreateInstance(GetType())!;
        await another.InitializeAsync();
        return another;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Parley:DataDirectory", _dataDirectory);
        builder.UseSetting("Parley:Database:Provider", Provider.ToString());
        builder.UseSetting("Parley:Database:ConnectionString", ConnectionString);
        builder.UseSetting("Parley:Bootstrap:Organization", "Operators");
        builder.UseSetting("Parley:Bootstrap:Email", OperatorEmail);
        builder.UseSetting("Parley:Bootstrap:Password", OperatorPassword);
        // Argon2id at its cheapest: tests sign in hundreds of times. Production keeps the OWASP cost.
        builder.UseSetting("Parley:Passwords:MemoryKiB", "1024");
        builder.UseSetting("Parley:Passwords:Iterations", "1");
        builder.UseSetting("Parley:RateLimits:LoginPerIp", "100000");
        builder.UseSetting("Parley:RateLimits:SendPerUser", "100000");
        builder.UseSetting("Parley:RateLimits:SendPerIp", "100000");
        builder.UseSetting("Parley:Messages:MaxLength", "4000");
        builder.UseSetting("Parley:Realtime:PresenceMaxMembers", "3");
        builder.UseSetting("Parley:Files:MaxFileBytes", (1024 * 1024).ToString());
        // Checkpoints only on demand: a timed one would change an organization's rows in the middle of a test.
        builder.UseSetting("Parley:Record:CheckpointInterval", "30.00:00:00");
        // Web Push endpoints on loopback over HTTP: the tests' own push service (PushService). Production refuses them.
        builder.UseSetting("Parley:Notifications:AllowInsecureEndpoints", "true");
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureTestServices(services =>
        {
            services.AddHttpContextAccessor();
            services.AddSingleton<IInterceptor, QueryCounter>();
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider, ErrorLog>();
            ConfigureServices(services);
        });
    }

    public virtual async ValueTask InitializeAsync()
    {
        if (!IsConfigured)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                throw new InvalidOperationException($"CI must provide a {Provider} database: set PARLEY_TEST_POSTGRES (test.sh does).");
            return;
        }
        UseKestrel();
        await Task.Run(StartServer);                       // migrations and bootstrap run as the host starts
        BaseAddress = ClientOptions.BaseAddress;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    /// <summary>An HTTP client for the real server, anonymous or signed in with a token.</summary>
    public HttpClient Http(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A scope on the server's own services, for arranging what no API offers and for tampering tests.</summary>
    public async Task<T> WithDbAsync<T>(Func<ParleyDb, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ParleyDb>());
    }

    public async Task<Actor> OperatorAsync()
    {
        if (!KeepsOperatorSignedIn)
            return await LoginAsync(OperatorEmail, OperatorPassword);
        await _operatorLock.WaitAsync();
        try
        {
            return _operator ??= await LoginAsync(OperatorEmail, OperatorPassword);
        }
        finally
        {
            _operatorLock.Release();
        }
    }

    public async Task<Actor> LoginAsync(string email, string password, string device = "test device")
    {
        using var http = Http();
        var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password, deviceName = device });
        await response.ShouldBe(System.Net.HttpStatusCode.OK);
        var result = (await response.Content.ReadFromJsonAsync<LoginResultDto>())!;
        return new Actor(this, result.Me.Id, result.Me.OrganizationId, email, password, result.Me.Handle, result.Me.DisplayName, result.Token);
    }

    /// <summary>A new organization with Alice as its owner.</summary>
    public Task<Org> OrganizationAsync() => Org.CreateAsync(this);
}

public sealed class SqliteApp : ParleyApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresApp : ParleyApp
{
    public static readonly string? ServerSetting = Environment.GetEnvironmentVariable("PARLEY_TEST_POSTGRES");
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}
