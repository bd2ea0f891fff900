using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OtpNet;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.TwoFactor;

namespace Parley.IntegrationTests.TwoFactor;

/// <summary>
/// A server whose clock the tests move by whole TOTP steps, so that a test computes the code the server expects (with
/// Otp.NET, from the secret the API returned) and can step past a used one without waiting.
/// </summary>
public abstract class TwoFactorApp : ParleyApp
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(TwoFactorCodes.StepSeconds);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override bool KeepsOperatorSignedIn => false;

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>The code an authenticator app shows now, or <paramref name="steps"/> steps from now.</summary>
    public string CodeFor(string secret, int steps = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp((Clock.GetUtcNow() + steps * Step).UtcDateTime);

    /// <summary>A 6-digit code that matches none of the steps the server accepts now.</summary>
    public string WrongCodeFor(string secret)
    {
        var accepted = new[] { CodeFor(secret, -1), CodeFor(secret), CodeFor(secret, 1) };
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !accepted.Contains(c));
    }

    public void NextStep() => Clock.Advance(Step);

    /// <summary>Sets up two-factor for the person; the clock then moves one step, so that the next code is unused.</summary>
    public async Task<Enrolled> EnrolAsync(Actor actor)
    {
        var started = await (await actor.PostAsync("/api/v1/auth/two-factor/enrolment")).ReadAsync<TwoFactorEnrolmentDto>(HttpStatusCode.OK);
        var confirmed = await (await actor.PostAsync("/api/v1/auth/two-factor/enrolment/confirm", new { code = CodeFor(started.Secret) }))
            .ReadAsync<RecoveryCodesDto>(HttpStatusCode.OK);
        NextStep();
        return new Enrolled(started.Secret, confirmed.RecoveryCodes);
    }

    /// <summary>The password step of a person with two-factor on: it must answer a challenge, not a session.</summary>
    public async Task<string> ChallengeAsync(Actor actor, string device = "test device")
    {
        using var http = Http();
        var problem = await (await http.PostLoginAsync(actor.Email, actor.Password, device))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-required");
        return problem.GetProperty("challenge").GetString()!;
    }

    public async Task<HttpResponseMessage> SecondFactorAsync(string challenge, string code)
    {
        using var http = Http();
        return await http.PostAsync("/api/v1/auth/login/second-factor",
            System.Net.Http.Json.JsonContent.Create(new { challenge, code }), TestContext.Current.CancellationToken);
    }

    public sealed record Enrolled(string Secret, List<string> RecoveryCodes);
}

public sealed class SqliteTwoFactorApp : TwoFactorApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-2fa-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresTwoFactorApp : TwoFactorApp
{
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}

internal static class TwoFactorJson
{
    public static string? Text(this JsonElement? data, string name) =>
        data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(name, out var v) ? v.ToString() : null;
}
