using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Parley.Server.Data;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// Parley.Server.dll run with <c>dotnet</c>, as an operator runs it, on a database and data folder that outlive it: for
/// tests that kill the server with SIGKILL and start it again.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>The owner the server bootstraps on an empty database.</summary>
    public const string Email = "owner@crash.example", Password = "correct horse battery staple";

    private readonly Process _process;
    private readonly Queue<string> _log = new();

    private ServerProcess(Process process)
    {
        _process = process;
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public HttpClient Http { get; }

    /// <summary>The server's last lines of output, to say what it did when a step fails.</summary>
    public string LogTail()
    {
        lock (_log)
            return string.Join("\n", _log);
    }

    /// <summary>
    /// Starts the server and waits until it is ready. <paramref name="settings"/> are configuration keys
    /// (<c>Parley:Retention:BatchSize</c>), given to the process as environment variables and applied after the defaults here.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(DatabaseProvider engine, string database, string data,
        IEnumerable<KeyValuePair<string, string>>? settings = null)
    {
        var dll = Path.Combine(Repository.Root(), "src", "Parley.Server", "bin", Configuration(), "net10.0", "Parley.Server.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", dll]) { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in new Dictionary<string, string>
        {
            // Port 0: the server binds a free port itself and says which. A port picked here and bound later could
            // meanwhile be taken by another test's server, which would then answer this test's requests.
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Parley:DataDirectory"] = data,
            ["Parley:Database:Provider"] = engine.ToString(),
            ["Parley:Database:ConnectionString"] = database,
            ["Parley:Bootstrap:Organization"] = "Crash",
            ["Parley:Bootstrap:Email"] = Email,
            ["Parley:Bootstrap:Password"] = Password,
            ["Parley:Passwords:MemoryKiB"] = "1024",
            ["Parley:Passwords:Iterations"] = "1",
            ["Parley:RateLimits:SendPerUser"] = "100000",
            ["Parley:RateLimits:SendPerIp"] = "100000",
            ["Parley:RateLimits:LoginPerIp"] = "100000",
        }.Concat(settings ?? []))
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var process = Process.Start(start)!;
        var server = new ServerProcess(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                exited.TrySetResult();
                return;
            }
            server.Keep(line.Data);
            const string Marker = "Now listening on: ";
            if (line.Data.IndexOf(Marker, StringComparison.Ordinal) is >= 0 and var at)
                listening.TrySetResult(new Uri(line.Data[(at + Marker.Length)..].Trim()));
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
                server.Keep(line.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return await server.ReadyAsync(listening.Task, exited.Task);
        }
        catch
        {
            await server.DisposeAsync();        // a server that never became ready must not outlive the test
            throw;
        }
    }

    private async Task<ServerProcess> ReadyAsync(Task<Uri> listening, Task exited)
    {
        var first = await Task.WhenAny(listening, exited).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(first == listening, $"the server stopped before it listened:\n{LogTail()}");
        Http.BaseAddress = await listening;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(_process.HasExited, $"the server exited before it was ready:\n{LogTail()}");
            try
            {
                if ((await Http.GetAsync("/readyz", Ct)).IsSuccessStatusCode)
                    return this;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            Assert.True(DateTime.UtcNow < deadline, $"the server was not ready within 60 s:\n{LogTail()}");
            await Task.Delay(100, Ct);      // the first round of the record: nothing to await from outside but /readyz
        }
    }

    private void Keep(string line)
    {
        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 200)
                _log.Dequeue();
        }
    }

    /// <summary>Signs in, as the bootstrapped owner unless told whom, and answers the session's token.</summary>
    public async Task<string> SignInAsync(string email = Email, string password = Password)
    {
        var response = await Http.PostAsJsonAsync("/api/v1/auth/login", new { email, password, deviceName = "crash test" }, Ct);
        Assert.True(response.IsSuccessStatusCode, $"sign-in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}\n{LogTail()}");
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>(Ct))!["token"].GetString()!;
    }

    public void Authorize(string token) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);     // SIGKILL: no shutdown, no flush
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
        Http.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Configuration() =>
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).SkipWhile(p => p != "bin").Skip(1).First();
}
