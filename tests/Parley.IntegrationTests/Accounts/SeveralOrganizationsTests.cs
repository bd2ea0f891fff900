using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Accounts;

/// <summary>One person, one email, an account in each of several organizations; and nothing learned across them.</summary>
public abstract class SeveralOrganizationsTests(ParleyApp app)
{
    private const string Password = "the same password everywhere";

    [Fact]
    public async Task Two_organizations_one_email_ask_to_choose_and_sign_in_to_the_chosen_one()
    {
        var (acme, globex) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var email = $"pat-{Guid.NewGuid():N}@example.test";
        var atAcme = await acme.MemberAsync("Pat", email, Password);
        var atGlobex = await globex.MemberAsync("Pat", email, Password);
        using var anonymous = app.Http();

        var choice = await (await anonymous.PostLoginAsync(email, Password))
            .ShouldBeProblem(HttpStatusCode.Conflict, "organization-choice-required");
        var chosen = await (await anonymous.PostLoginAsync(email, Password, globex.Id)).ReadAsync<LoginResultDto>(HttpStatusCode.OK);

        var listed = choice.GetProperty("organizations").EnumerateArray()
            .Select(o => (o.GetProperty("id").GetGuid(), o.GetProperty("name").GetString()!)).OrderBy(o => o.Item1).ToList();
        Assert.Equal(new[] { (acme.Id, (await atAcme.MeAsync()).OrganizationName), (globex.Id, (await atGlobex.MeAsync()).OrganizationName) }
            .OrderBy(o => o.Item1), listed);
        Assert.Equal((atGlobex.Id, globex.Id), (chosen.Me.Id, chosen.Me.OrganizationId));
        using var signedIn = app.Http(chosen.Token);
        var me = await (await signedIn.GetAsync("/api/v1/users/me", TestContext.Current.CancellationToken)).ReadAsync<MeDto>(HttpStatusCode.OK);
        Assert.Equal(globex.Id, me.OrganizationId);
    }

    [Fact]
    public async Task The_choice_lists_only_organizations_whose_account_the_password_opens()
    {
        var (acme, globex, initech) = (await app.OrganizationAsync(), await app.OrganizationAsync(), await app.OrganizationAsync());
        var email = $"pat-{Guid.NewGuid():N}@example.test";
        await acme.MemberAsync("Pat", email, Password);
        await globex.MemberAsync("Pat", email, Password);
        var atInitech = await initech.MemberAsync("Pat", email, "another long password");
        using var anonymous = app.Http();

        var choice = await (await anonymous.PostLoginAsync(email, Password))
            .ShouldBeProblem(HttpStatusCode.Conflict, "organization-choice-required");
        var direct = await (await anonymous.PostLoginAsync(email, "another long password")).ReadAsync<LoginResultDto>(HttpStatusCode.OK);

        Assert.Equal(new[] { acme.Id, globex.Id }.Order(), choice.GetProperty("organizations").EnumerateArray().Select(o => o.GetProperty("id").GetGuid()).Order());
        Assert.Equal(atInitech.Id, direct.Me.Id);
    }

    [Fact]
    public async Task An_unknown_organization_or_one_the_password_does_not_open_gets_the_same_401_as_any_failure()
    {
        var (acme, globex, initech) = (await app.OrganizationAsync(), await app.OrganizationAsync(), await app.OrganizationAsync());
        var email = $"pat-{Guid.NewGuid():N}@example.test";
        await acme.MemberAsync("Pat", email, Password);
        await globex.MemberAsync("Pat", email, "globex has another password");
        var loner = await initech.MemberAsync("Lee", $"lee-{Guid.NewGuid():N}@example.test", Password);
        using var anonymous = app.Http();

        var answers = new[]
        {
            await anonymous.PostLoginAsync(email, Password, Guid.NewGuid()),              // no such organization
            await anonymous.PostLoginAsync(email, Password, initech.Id),                  // no account there
            await anonymous.PostLoginAsync(email, Password, globex.Id),                   // the password opens another one
            await anonymous.PostLoginAsync(email, "wrong everywhere"),                    // an email with two accounts
            await anonymous.PostLoginAsync(loner.Email, "wrong everywhere"),              // an email with one account
            await anonymous.PostLoginAsync($"nobody-{Guid.NewGuid():N}@example.test", Password),
        };

        var bodies = new List<string>();
        foreach (var answer in answers)
        {
            await answer.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
            bodies.Add(await answer.ProblemWithoutTraceAsync());
        }
        Assert.Single(bodies.Distinct());
        await (await anonymous.PostLoginAsync(email, Password, acme.Id)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_deactivated_account_in_one_organization_leaves_the_other_to_sign_in_to_directly()
    {
        var (acme, globex) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var email = $"pat-{Guid.NewGuid():N}@example.test";
        var atAcme = await acme.MemberAsync("Pat", email, Password);
        var atGlobex = await globex.MemberAsync("Pat", email, Password);
        await (await acme.Owner.PostAsync($"/api/v1/users/{atAcme.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);
        using var anonymous = app.Http();

        var signedIn = await (await anonymous.PostLoginAsync(email, Password)).ReadAsync<LoginResultDto>(HttpStatusCode.OK);
        var intoDeactivated = await anonymous.PostLoginAsync(email, Password, acme.Id);

        Assert.Equal(atGlobex.Id, signedIn.Me.Id);
        await intoDeactivated.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        await app.FailedSignInsAuditedAsync();
        var failure = Assert.Single(await acme.Owner.AuditAsync("LoginFailed"));
        Assert.Equal((atAcme.Id, "deactivated"), (failure.ActorId, failure.Data?.GetProperty("reason").GetString()));
        Assert.Empty(await globex.Owner.AuditAsync("LoginFailed"));
    }

    [Fact]
    public async Task The_operator_flag_stays_with_the_account_that_has_it()
    {
        var org = await app.OrganizationAsync();
        var op = await app.OperatorAsync();

        var elsewhere = await org.MemberAsync("Operator", ParleyApp.OperatorEmail, "the operator's other password");
        using var anonymous = app.Http();
        var asOperator = await (await anonymous.PostLoginAsync(ParleyApp.OperatorEmail, ParleyApp.OperatorPassword)).ReadAsync<LoginResultDto>(HttpStatusCode.OK);

        Assert.True(asOperator.Me.IsOperator);
        Assert.Equal(op.OrganizationId, asOperator.Me.OrganizationId);
        Assert.False((await elsewhere.MeAsync()).IsOperator);
        await (await elsewhere.PostAsync("/api/v1/operator/organizations", new { name = "Not allowed", ownerEmail = "x@example.test" }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
    }
}

public sealed class SqliteSeveralOrganizationsTests(SqliteApp app) : SeveralOrganizationsTests(app);

public sealed class PostgresSeveralOrganizationsTests : SeveralOrganizationsTests
{
    public PostgresSeveralOrganizationsTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
