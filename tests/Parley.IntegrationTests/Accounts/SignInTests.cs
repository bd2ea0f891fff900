using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Platform;

namespace Parley.IntegrationTests.Accounts;

public abstract class SignInTests(ParleyApp app)
{
    [Fact]
    public async Task Login_returns_a_token_that_opens_the_api_on_that_session()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();

        var result = await (await anonymous.PostLoginAsync(org.Owner.Email, org.Owner.Password, "Firefox on laptop"))
            .ReadAsync<LoginResultDto>(HttpStatusCode.OK);
        using var signedIn = app.Http(result.Token);
        var me = await (await signedIn.GetAsync("/api/v1/users/me", TestContext.Current.CancellationToken)).ReadAsync<MeDto>(HttpStatusCode.OK);

        Assert.False(string.IsNullOrWhiteSpace(result.Token));
        Assert.Equal(org.Owner.Id, result.Me.Id);
        Assert.Equal(org.Owner.Id, me.Id);
        Assert.Equal(org.Id, me.OrganizationId);
        Assert.Equal(result.SessionId, me.SessionId);
        Assert.Equal("owner", me.Role);
        Assert.Equal(1, await app.WithDbAsync(db => db.Sessions.CountAsync(s => s.Id == result.SessionId && s.TokenHash == Secrets.Hash(result.Token))));
        Assert.False(await app.WithDbAsync(db => db.Sessions.AnyAsync(s => s.TokenHash == result.Token)));
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_401()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();

        var wrongPassword = await (await anonymous.PostLoginAsync(org.Owner.Email, "not the password at all"))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var unknownEmail = await (await anonymous.PostLoginAsync($"nobody-{Guid.NewGuid():N}@{org.Domain}", org.Owner.Password))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownEmail.GetProperty("title").GetString());
        Assert.Equal(wrongPassword.GetProperty("type").GetString(), unknownEmail.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Five_failures_from_one_address_throttle_that_address_for_the_account_even_for_the_right_password()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var anonymous = app.HttpFrom(AccountHelpers.UniqueLoopbackAddress());
        for (var attempt = 1; attempt <= LoginThrottle.FreeFailures; attempt++)
            await (await anonymous.PostLoginAsync(bob.Email, $"wrong password {attempt}"))
                .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var throttled = await anonymous.PostLoginAsync(bob.Email, bob.Password);
        var others = await anonymous.PostLoginAsync(org.Owner.Email, org.Owner.Password);

        await throttled.ShouldBeProblem(HttpStatusCode.TooManyRequests, "login-throttled");
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
        await others.ShouldBe(HttpStatusCode.OK);
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_attacker_failing_fifty_times_from_another_address_does_not_stop_the_owner_signing_in()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var attacker = app.HttpFrom(AccountHelpers.UniqueLoopbackAddress());
        using var bobsLaptop = app.HttpFrom(AccountHelpers.UniqueLoopbackAddress());
        var answers = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 50; attempt++)
            answers.Add((await attacker.PostLoginAsync(bob.Email, $"guess {attempt}")).StatusCode);

        var owner = await bobsLaptop.PostLoginAsync(bob.Email, bob.Password);

        await owner.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, LoginThrottle.FreeFailures), answers.Take(LoginThrottle.FreeFailures));
        Assert.All(answers.Skip(LoginThrottle.FreeFailures), a => Assert.Equal(HttpStatusCode.TooManyRequests, a));
    }

    [Fact]
    public async Task A_wrong_password_costs_the_same_database_work_as_an_unknown_email_and_is_audited_after_the_answer()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var anonymous = app.Http();
        var before = await app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.OrganizationId == org.Id));
        var (known, unknown) = ($"known-{Guid.NewGuid():N}", $"unknown-{Guid.NewGuid():N}");

        var wrongPassword = await anonymous.SendAsync(Counted(known, bob.Email), TestContext.Current.CancellationToken);
        var unknownEmail = await anonymous.SendAsync(Counted(unknown, $"nobody-{Guid.NewGuid():N}@{org.Domain}"), TestContext.Current.CancellationToken);
        await app.FailedSignInsAuditedAsync();

        Assert.Equal(await unknownEmail.ProblemWithoutTraceAsync(), await wrongPassword.ProblemWithoutTraceAsync());
        Assert.Equal(QueryCounter.For(unknown), QueryCounter.For(known));
        Assert.Equal(before + 1, await app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.OrganizationId == org.Id)));

        static HttpRequestMessage Counted(string key, string email) =>
            new(HttpMethod.Post, "/api/v1/auth/login")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { email, password = "not the password", deviceName = "test device" }),
                Headers = { { QueryCounter.Header, key } },
            };
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_caller_that_is_not_a_configured_proxy_is_ignored()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();

        var session = await (await anonymous.PostLoginForAsync("203.0.113.7", org.Owner.Email, org.Owner.Password)).ReadAsync<LoginResultDto>(HttpStatusCode.OK);

        var signIn = Assert.Single(await org.Owner.AuditAsync("LoginSucceeded"), e => e.TargetId == session.SessionId.ToString());
        Assert.Equal("127.0.0.1", signIn.Address);
    }

    [Fact]
    public async Task Sessions_list_names_each_device_and_marks_the_current_one()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var laptop = await app.SignInAgainAsync(bob, "Firefox on laptop");
        var phone = await app.SignInAgainAsync(bob, "Parley for iPhone");

        var fromPhone = await phone.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");
        var fromLaptop = await laptop.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");

        Assert.Equal(["Firefox on laptop", "Parley for iPhone", "test device"], fromPhone.Select(s => s.DeviceName).Order());
        Assert.Equal("Parley for iPhone", Assert.Single(fromPhone, s => s.Current).DeviceName);
        Assert.Equal("Firefox on laptop", Assert.Single(fromLaptop, s => s.Current).DeviceName);
        Assert.Equal(fromPhone.Select(s => s.Id).Order(), fromLaptop.Select(s => s.Id).Order());
    }

    [Fact]
    public async Task Revoking_another_of_my_sessions_stops_its_token_and_live_connection()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var laptop = await app.SignInAgainAsync(bob, "Firefox on laptop");
        var laptopSession = (await laptop.MeAsync()).SessionId;
        await using var laptopLive = await app.ConnectAsync(laptop);

        var revoked = await bob.DeleteAsync($"/api/v1/auth/sessions/{laptopSession}");

        await revoked.ShouldBe(HttpStatusCode.NoContent);
        await (await laptop.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await laptopLive.ShouldBeClosedByServerAsync();
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        var left = await bob.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");
        Assert.DoesNotContain(left, s => s.Id == laptopSession);
    }

    [Fact]
    public async Task Signing_out_this_device_ends_only_its_session()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var laptop = await app.SignInAgainAsync(bob, "Firefox on laptop");

        var signedOut = await laptop.DeleteAsync("/api/v1/auth/sessions/current");

        await signedOut.ShouldBe(HttpStatusCode.NoContent);
        await (await laptop.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await laptop.DeleteAsync("/api/v1/auth/sessions/current")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        var left = await bob.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");
        Assert.Equal("test device", Assert.Single(left).DeviceName);
    }

    [Fact]
    public async Task Revoking_someone_elses_session_gives_404_and_leaves_it_working()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var bobSession = (await bob.MeAsync()).SessionId;

        var byAlice = await org.Owner.DeleteAsync($"/api/v1/auth/sessions/{bobSession}");
        var notAnId = await org.Owner.DeleteAsync("/api/v1/auth/sessions/not-a-session");

        await byAlice.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await notAnId.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_garbage_or_missing_token_gets_401_unauthenticated()
    {
        using var garbage = app.Http("this-is-not-a-token");
        using var anonymous = app.Http();

        var withGarbage = await garbage.GetAsync("/api/v1/users/me", TestContext.Current.CancellationToken);
        var withNothing = await anonymous.GetAsync("/api/v1/auth/sessions", TestContext.Current.CancellationToken);

        await withGarbage.ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await withNothing.ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Sign_ins_failures_and_revocations_are_in_the_audit_log()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        using var anonymous = app.Http();
        await (await anonymous.PostLoginAsync(bob.Email, "not bob's password")).ShouldBe(HttpStatusCode.Unauthorized);
        var laptop = await app.SignInAgainAsync(bob, "Firefox on laptop");
        var laptopSession = (await laptop.MeAsync()).SessionId.ToString();
        await (await laptop.DeleteAsync("/api/v1/auth/sessions/current")).ShouldBe(HttpStatusCode.NoContent);
        await app.FailedSignInsAuditedAsync();

        var failures = await org.Owner.AuditAsync("LoginFailed");
        var all = await org.Owner.AuditAsync();

        var failure = Assert.Single(failures);
        Assert.Equal("LoginFailed", failure.Action);
        Assert.Equal(bob.Id, failure.ActorId);
        Assert.Equal(bob.Id.ToString(), failure.TargetId);
        Assert.Equal("password", failure.Data?.GetProperty("reason").GetString());
        Assert.Contains(all, e => e.Action == "LoginSucceeded" && e.TargetId == laptopSession && e.ActorId == bob.Id
            && e.Data?.GetProperty("device").GetString() == "Firefox on laptop");
        Assert.Contains(all, e => e.Action == "SessionRevoked" && e.TargetId == laptopSession && e.ActorId == bob.Id);
        Assert.DoesNotContain(all, e => e.Data is { ValueKind: JsonValueKind.Object } d && d.ToString().Contains("not bob's password"));
        await (await bob.GetAsync("/api/v1/admin/audit")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
    }
}

public sealed class SqliteSignInTests(SqliteApp app) : SignInTests(app);

public sealed class PostgresSignInTests : SignInTests
{
    public PostgresSignInTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
