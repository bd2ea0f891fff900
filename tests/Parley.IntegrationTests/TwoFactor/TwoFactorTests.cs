using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OtpNet;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.TwoFactor;

namespace Parley.IntegrationTests.TwoFactor;

public abstract class TwoFactorTests(TwoFactorApp app)
{
    [Fact]
    public async Task Enrolment_is_confirmed_only_by_a_right_code_and_keeps_the_secret_encrypted_and_the_recovery_codes_hashed()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var started = await (await bob.PostAsync("/api/v1/auth/two-factor/enrolment")).ReadAsync<TwoFactorEnrolmentDto>(HttpStatusCode.OK);
        var pending = await bob.GetOkAsync<TwoFactorStatusDto>("/api/v1/auth/two-factor");
        var wrong = await bob.PostAsync("/api/v1/auth/two-factor/enrolment/confirm", new { code = app.WrongCodeFor(started.Secret) });
        var stillOff = await bob.GetOkAsync<TwoFactorStatusDto>("/api/v1/auth/two-factor");
        var passwordOnly = await app.LoginAsync(bob.Email, bob.Password);   // a pending enrolment protects nothing yet
        var confirmed = await (await bob.PostAsync("/api/v1/auth/two-factor/enrolment/confirm", new { code = app.CodeFor(started.Secret) }))
            .ReadAsync<RecoveryCodesDto>(HttpStatusCode.OK);
        var on = await bob.GetOkAsync<TwoFactorStatusDto>("/api/v1/auth/two-factor");
        var again = await bob.PostAsync("/api/v1/auth/two-factor/enrolment");

        Assert.Equal(20, Base32Encoding.ToBytes(started.Secret).Length);
        Assert.StartsWith("otpauth://totp/Parley:", started.OtpAuthUri);
        Assert.Contains($"secret={started.Secret}&issuer=Parley&algorithm=SHA1&digits=6&period=30", started.OtpAuthUri);
        Assert.Equal(new TwoFactorStatusDto(false, true, 0, false), pending);
        await wrong.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "second-factor-invalid");
        Assert.Equal(new TwoFactorStatusDto(false, true, 0, false), stillOff);
        Assert.NotNull(passwordOnly.Token);
        Assert.Equal(10, confirmed.RecoveryCodes.Distinct().Count());
        Assert.All(confirmed.RecoveryCodes, c => Assert.Matches("^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$", c));
        Assert.Equal(new TwoFactorStatusDto(true, false, 10, false), on);
        await again.ShouldBeProblem(HttpStatusCode.Conflict, "two-factor-already-enabled");

        var stored = await app.WithDbAsync(db => db.TwoFactorSecrets.AsNoTracking().SingleAsync(t => t.UserId == bob.Id));
        var hashes = await app.WithDbAsync(db => db.RecoveryCodes.Where(r => r.UserId == bob.Id).Select(r => r.CodeHash).ToListAsync());
        var raw = Convert.ToBase64String(Base32Encoding.ToBytes(started.Secret));
        Assert.DoesNotContain(started.Secret, stored.ProtectedSecret, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(raw, stored.ProtectedSecret);
        Assert.Equal(10, hashes.Count);
        Assert.All(confirmed.RecoveryCodes, c => Assert.DoesNotContain(hashes, h => h.Contains(c.Replace("-", ""), StringComparison.OrdinalIgnoreCase)));

        var audit = await org.Owner.AuditAsync();
        Assert.Contains(audit, e => e.Action == "TwoFactorEnabled" && e.ActorId == bob.Id && e.TargetId == bob.Id.ToString());
        Assert.Contains(audit, e => e.Action == "SecondFactorFailed" && e.ActorId == bob.Id && e.Data.Text("during") == "enrolment");
        Assert.DoesNotContain(audit, e => e.Data is { } d && d.ToString().Contains(started.Secret, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task With_two_factor_on_the_password_alone_opens_no_session_and_the_challenge_with_a_right_code_does_once()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var enrolled = await app.EnrolAsync(bob);
        var sessionsBefore = await app.WithDbAsync(db => db.Sessions.CountAsync(s => s.UserId == bob.Id));

        var challenge = await app.ChallengeAsync(bob, "Phone");
        var sessionsAfterPassword = await app.WithDbAsync(db => db.Sessions.CountAsync(s => s.UserId == bob.Id));
        var wrong = await app.SecondFactorAsync(challenge, app.WrongCodeFor(enrolled.Secret));
        var right = await (await app.SecondFactorAsync(challenge, app.CodeFor(enrolled.Secret))).ReadAsync<LoginResultDto>(HttpStatusCode.OK);
        app.NextStep();
        var replayed = await app.SecondFactorAsync(challenge, app.CodeFor(enrolled.Secret));

        Assert.Equal(sessionsBefore, sessionsAfterPassword);
        var wrongProblem = await wrong.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-invalid");
        Assert.Equal(SignInChallenge.MaxAttempts - 1, wrongProblem.GetProperty("attemptsLeft").GetInt32());
        using var signedIn = app.Http(right.Token);
        var me = await (await signedIn.GetAsync("/api/v1/users/me", TestContext.Current.CancellationToken)).ReadAsync<MeDto>(HttpStatusCode.OK);
        Assert.Equal(bob.Id, me.Id);
        Assert.False(me.TwoFactorEnrolmentRequired);
        Assert.Equal("Phone", (await app.WithDbAsync(db => db.Sessions.SingleAsync(s => s.Id == right.SessionId))).DeviceName);
        await replayed.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-challenge-invalid");
        Assert.DoesNotContain(await app.WithDbAsync(db => db.SignInChallenges.Select(c => c.TokenHash).ToListAsync()), h => h == challenge);

        var failures = await org.Owner.AuditAsync("SecondFactorFailed");
        var failure = Assert.Single(failures, e => e.ActorId == bob.Id);
        Assert.Equal("wrong", failure.Data.Text("reason"));
        Assert.Equal("sign-in", failure.Data.Text("during"));
    }

    [Fact]
    public async Task A_code_whose_time_step_was_already_used_is_refused_and_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var enrolled = await app.EnrolAsync(bob);
        var code = app.CodeFor(enrolled.Secret);

        await (await app.SecondFactorAsync(await app.ChallengeAsync(bob), code)).ShouldBe(HttpStatusCode.OK);
        var sameCode = await app.SecondFactorAsync(await app.ChallengeAsync(bob), code);
        app.NextStep();
        var previousStep = await app.SecondFactorAsync(await app.ChallengeAsync(bob), app.CodeFor(enrolled.Secret, -1));
        var nextCode = await app.SecondFactorAsync(await app.ChallengeAsync(bob), app.CodeFor(enrolled.Secret));

        await sameCode.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-code-reused");
        await previousStep.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-code-reused");
        await nextCode.ShouldBe(HttpStatusCode.OK);
        var reused = (await org.Owner.AuditAsync("SecondFactorFailed")).Where(e => e.ActorId == bob.Id).ToList();
        Assert.Equal(2, reused.Count);
        Assert.All(reused, e => Assert.Equal("reused", e.Data.Text("reason")));
    }

    [Fact]
    public async Task The_same_code_sent_at_once_on_two_challenges_opens_one_session()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var enrolled = await app.EnrolAsync(bob);
        var challenges = new[] { await app.ChallengeAsync(bob), await app.ChallengeAsync(bob) };
        var code = app.CodeFor(enrolled.Secret);

        var answers = await Task.WhenAll(challenges.Select(c => app.SecondFactorAsync(c, code)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], answers.Select(a => a.StatusCode).Order());
        await answers.Single(a => a.StatusCode == HttpStatusCode.Unauthorized).ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-code-reused");
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once_then_is_refused_and_regenerating_invalidates_the_old_ones()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var enrolled = await app.EnrolAsync(bob);
        var first = enrolled.RecoveryCodes[0];

        var withRecovery = await app.SecondFactorAsync(await app.ChallengeAsync(bob), first.ToUpperInvariant());
        var again = await app.SecondFactorAsync(await app.ChallengeAsync(bob), first);
        var status = await bob.GetOkAsync<TwoFactorStatusDto>("/api/v1/auth/two-factor");
        var regenerated = await (await bob.PostAsync("/api/v1/auth/two-factor/recovery-codes", new { code = app.CodeFor(enrolled.Secret) }))
            .ReadAsync<RecoveryCodesDto>(HttpStatusCode.OK);
        var oldUnused = await app.SecondFactorAsync(await app.ChallengeAsync(bob), enrolled.RecoveryCodes[1]);
        var newOne = await app.SecondFactorAsync(await app.ChallengeAsync(bob), regenerated.RecoveryCodes[0]);

        await withRecovery.ShouldBe(HttpStatusCode.OK);
        await again.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-code-reused");
        Assert.Equal(9, status.RecoveryCodesLeft);
        Assert.Empty(regenerated.RecoveryCodes.Intersect(enrolled.RecoveryCodes));
        await oldUnused.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-invalid");
        await newOne.ShouldBe(HttpStatusCode.OK);
        var used = (await org.Owner.AuditAsync("RecoveryCodeUsed")).Where(e => e.ActorId == bob.Id).OrderBy(e => e.Index).ToList();
        Assert.Equal(["9", "9"], used.Select(e => e.Data.Text("left")));
        Assert.Single(await org.Owner.AuditAsync("RecoveryCodesRegenerated"), e => e.ActorId == bob.Id);
    }

    [Fact]
    public async Task A_challenge_expires_after_five_minutes_and_takes_five_codes_at_most()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var enrolled = await app.EnrolAsync(bob);

        var expiring = await app.ChallengeAsync(bob);
        app.Clock.Advance(SignInChallenge.Lifetime + TimeSpan.FromSeconds(1));
        var expired = await app.SecondFactorAsync(expiring, app.CodeFor(enrolled.Secret));
        var guessed = await app.ChallengeAsync(bob);
        var liveChallenges = await app.WithDbAsync(db => db.SignInChallenges.CountAsync(c => c.UserId == bob.Id));
        var answers = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < SignInChallenge.MaxAttempts; attempt++)
            answers.Add((await app.SecondFactorAsync(guessed, app.WrongCodeFor(enrolled.Secret))).StatusCode);
        var afterGuesses = await app.SecondFactorAsync(guessed, app.CodeFor(enrolled.Secret));
        var unknown = await app.SecondFactorAsync(Guid.NewGuid().ToString("N"), app.CodeFor(enrolled.Secret));

        await expired.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-challenge-invalid");
        Assert.Equal(1, liveChallenges);   // the expired one went when the next was made
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a));
        await afterGuesses.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-challenge-invalid");
        await unknown.ShouldBeProblem(HttpStatusCode.Unauthorized, "second-factor-challenge-invalid");
        Assert.Equal(SignInChallenge.MaxAttempts, (await org.Owner.AuditAsync("SecondFactorFailed")).Count(e => e.ActorId == bob.Id));
    }

    [Fact]
    public async Task When_the_organization_requires_two_factor_an_unenrolled_session_reaches_only_the_enrolment_until_it_enrols()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var carol = await org.MemberAsync("Carol");

        await (await bob.PutAsync("/api/v1/organization/two-factor", new { required = true })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await org.Owner.PutAsync("/api/v1/organization/two-factor", new { required = true }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "two-factor-enrol-first");
        await app.EnrolAsync(org.Owner);
        var policy = await (await org.Owner.PutAsync("/api/v1/organization/two-factor", new { required = true })).ReadAsync<TwoFactorPolicyDto>(HttpStatusCode.OK);
        var keptOut = await bob.GetAsync("/api/v1/conversations");
        var hub = await bob.Http.PostAsync("/hubs/events/negotiate?negotiateVersion=1", null, TestContext.Current.CancellationToken);
        var me = await bob.MeAsync();
        var signedInAgain = await app.LoginAsync(carol.Email, carol.Password);
        var carolMe = await signedInAgain.MeAsync();
        await app.EnrolAsync(bob);
        var letIn = await bob.GetAsync("/api/v1/conversations");
        var carolKeptOut = await signedInAgain.GetAsync("/api/v1/conversations");
        var carolSignsOut = await signedInAgain.DeleteAsync("/api/v1/auth/sessions/current");

        Assert.True(policy.Required);
        await keptOut.ShouldBeProblem(HttpStatusCode.Forbidden, "two-factor-enrolment-required");
        await hub.ShouldBeProblem(HttpStatusCode.Forbidden, "two-factor-enrolment-required");
        Assert.True(me.TwoFactorEnrolmentRequired);
        Assert.True(carolMe.TwoFactorEnrolmentRequired);
        await letIn.ShouldBe(HttpStatusCode.OK);
        Assert.False((await bob.MeAsync()).TwoFactorEnrolmentRequired);
        await carolKeptOut.ShouldBeProblem(HttpStatusCode.Forbidden, "two-factor-enrolment-required");
        await carolSignsOut.ShouldBe(HttpStatusCode.NoContent);
        Assert.Contains(await org.Owner.AuditAsync("OrganizationSettingsChanged"), e => e.Data.Text("setting") == "twoFactorRequired");
    }

    [Fact]
    public async Task An_admin_resets_a_members_two_factor_but_not_an_owners_nor_anyone_of_another_organization()
    {
        var org = await app.OrganizationAsync();
        var admin = await org.MemberAsync("Ada", "admin");
        var bob = await org.MemberAsync("Bob");
        var other = await app.OrganizationAsync();
        await app.EnrolAsync(bob);
        await app.EnrolAsync(org.Owner);

        var byMember = await bob.PostAsync($"/api/v1/users/{org.Owner.Id}/two-factor/reset");
        var ownerByAdmin = await admin.PostAsync($"/api/v1/users/{org.Owner.Id}/two-factor/reset");
        var fromOtherOrg = await other.Owner.PostAsync($"/api/v1/users/{bob.Id}/two-factor/reset");
        var reset = await admin.PostAsync($"/api/v1/users/{bob.Id}/two-factor/reset");
        var twice = await admin.PostAsync($"/api/v1/users/{bob.Id}/two-factor/reset");
        var passwordOnly = await app.LoginAsync(bob.Email, bob.Password);
        var ownerByOwner = await org.Owner.PostAsync($"/api/v1/users/{admin.Id}/two-factor/reset");

        await byMember.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await ownerByAdmin.ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        await fromOtherOrg.ShouldBeHiddenAsync();
        await reset.ShouldBe(HttpStatusCode.NoContent);
        await twice.ShouldBeProblem(HttpStatusCode.Conflict, "two-factor-not-enabled");
        Assert.False((await passwordOnly.GetOkAsync<TwoFactorStatusDto>("/api/v1/auth/two-factor")).Enabled);
        await ownerByOwner.ShouldBeProblem(HttpStatusCode.Conflict, "two-factor-not-enabled");   // authorized, nothing to reset
        var resets = await org.Owner.AuditAsync("TwoFactorReset");
        Assert.Contains(resets, e => e.ActorId == admin.Id && e.TargetId == bob.Id.ToString());
        Assert.Empty(await other.Owner.AuditAsync("TwoFactorReset"));

        // Where two-factor is required, the reset member must enrol again before anything else.
        await (await org.Owner.PutAsync("/api/v1/organization/two-factor", new { required = true })).ShouldBe(HttpStatusCode.OK);
        var afterReset = await app.LoginAsync(bob.Email, bob.Password);
        Assert.True((await afterReset.MeAsync()).TwoFactorEnrolmentRequired);
        await (await afterReset.GetAsync("/api/v1/conversations")).ShouldBeProblem(HttpStatusCode.Forbidden, "two-factor-enrolment-required");
    }

    [Fact]
    public async Task Turning_two_factor_off_takes_a_current_code_and_is_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var enrolled = await app.EnrolAsync(bob);

        var wrong = await bob.PostAsync("/api/v1/auth/two-factor/disable", new { code = app.WrongCodeFor(enrolled.Secret) });
        var password = await bob.PostAsync("/api/v1/auth/two-factor/disable", new { code = bob.Password });
        var right = await bob.PostAsync("/api/v1/auth/two-factor/disable", new { code = app.CodeFor(enrolled.Secret) });
        var off = await bob.PostAsync("/api/v1/auth/two-factor/disable", new { code = app.CodeFor(enrolled.Secret) });
        var passwordOnly = await app.LoginAsync(bob.Email, bob.Password);

        await wrong.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "second-factor-invalid");
        await password.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "second-factor-invalid");
        await right.ShouldBe(HttpStatusCode.NoContent);
        await off.ShouldBeProblem(HttpStatusCode.Conflict, "two-factor-not-enabled");
        Assert.NotNull(passwordOnly.Token);
        Assert.Equal(0, await app.WithDbAsync(db => db.RecoveryCodes.CountAsync(r => r.UserId == bob.Id)));
        Assert.Single(await org.Owner.AuditAsync("TwoFactorDisabled"), e => e.ActorId == bob.Id);
    }

    [Fact]
    public async Task Malformed_bodies_get_a_4xx_problem_never_a_500()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await app.EnrolAsync(bob);
        string[] bodies = ["", "not json", "[]", "null", "{}", """{"code":123456}""", """{"code":null}""", """{"code":""}""",
            """{"challenge":"x"}""", """{"challenge":"x","code":"123456"}""", """{"challenge":12,"code":[1]}""",
            """{"code":"1234567890123456789012345678901234567890123"}""", """{"required":"yes"}""", """{"required":null}""",
            """{"code":"12345\u0000"}"""];
        string[] paths = ["/api/v1/auth/login/second-factor", "/api/v1/auth/two-factor/enrolment/confirm", "/api/v1/auth/two-factor/recovery-codes",
            "/api/v1/auth/two-factor/disable"];

        foreach (var body in bodies)
        {
            foreach (var path in paths)
                await Check(HttpMethod.Post, path, body);
            await Check(HttpMethod.Put, "/api/v1/organization/two-factor", body);
        }

        async Task Check(HttpMethod method, string path, string body)
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            var response = await org.Owner.Http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path} {body}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}

public sealed class SqliteTwoFactorTests(SqliteTwoFactorApp app) : TwoFactorTests(app), IClassFixture<SqliteTwoFactorApp>;

public sealed class PostgresTwoFactorTests : TwoFactorTests, IClassFixture<PostgresTwoFactorApp>
{
    public PostgresTwoFactorTests(PostgresTwoFactorApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
