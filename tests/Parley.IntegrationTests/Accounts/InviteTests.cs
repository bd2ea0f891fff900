using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Accounts;

public abstract class InviteTests(ParleyApp app)
{
    private const string Password = "a long enough password";

    [Fact]
    public async Task Invited_person_accepts_and_signs_in()
    {
        var org = await app.OrganizationAsync();
        var email = $"carol@{org.Domain}";
        using var anonymous = app.Http();

        var invite = await (await org.Owner.PostAsync("/api/v1/users/invites", new { email, role = "member" }))
            .ReadAsync<InviteDto>(HttpStatusCode.Created);
        var accepted = await (await anonymous.PostAsJsonAsync("/api/v1/invites/accept", new { token = invite.Token, displayName = "Carol", password = Password }, TestContext.Current.CancellationToken))
            .ReadAsync<LoginResultDto>(HttpStatusCode.Created);
        var carol = accepted.Me;
        var signedIn = await app.LoginAsync(email, Password);
        using var newcomer = app.Http(accepted.Token);
        var devices = await (await newcomer.GetAsync("/api/v1/auth/sessions", TestContext.Current.CancellationToken)).ReadAsync<List<SessionDto>>(HttpStatusCode.OK);

        Assert.Equal("member", invite.Role);
        Assert.EndsWith($"#{invite.Token}", invite.Link);
        Assert.InRange(invite.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7));
        Assert.Equal((email, "Carol", "member", org.Id), (carol.Email, carol.DisplayName, carol.Role, carol.OrganizationId));
        Assert.Equal(accepted.SessionId, carol.SessionId);
        Assert.Equal(AcceptInvite.DefaultDeviceName, Assert.Single(devices, d => d.Current).DeviceName);
        Assert.Equal(carol.Id, signedIn.Id);
        Assert.Equal(org.Id, signedIn.OrganizationId);
        Assert.Contains(await org.Owner.UsersAsync(), u => u.Id == carol.Id);
    }

    [Fact]
    public async Task A_used_invite_gives_410_invite_used()
    {
        var org = await app.OrganizationAsync();
        var invite = await InviteAsync(org, $"carol@{org.Domain}");
        using var anonymous = app.Http();
        await (await AcceptAsync(anonymous, invite.Token, "Carol")).ShouldBe(HttpStatusCode.Created);

        var again = await AcceptAsync(anonymous, invite.Token, "Carol's twin");

        await again.ShouldBeProblem(HttpStatusCode.Gone, "invite-used");
        Assert.Equal(["Carol"], (await org.Owner.UsersAsync()).Where(u => u.Email == invite.Email).Select(u => u.DisplayName));
    }

    [Fact]
    public async Task Two_people_racing_with_one_invite_get_one_account_and_one_410()
    {
        var org = await app.OrganizationAsync();
        for (var round = 1; round <= 3; round++)
        {
            var invite = await InviteAsync(org, $"carol{round}@{org.Domain}");
            using var first = app.Http();
            using var second = app.Http();

            var answers = await Task.WhenAll(AcceptAsync(first, invite.Token, "Carol"), AcceptAsync(second, invite.Token, "Not Carol"));

            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
            await Assert.Single(answers, a => a.StatusCode != HttpStatusCode.Created).ShouldBeProblem(HttpStatusCode.Gone, "invite-used");
            Assert.Equal(1, await CountUsersAsync(invite.Email));
        }
    }

    [Fact]
    public async Task An_expired_invite_gives_410_invite_expired_and_creates_nobody()
    {
        var org = await app.OrganizationAsync();
        var invite = await InviteAsync(org, $"carol@{org.Domain}");
        var past = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        await app.WithDbAsync(db => db.Invites.Where(i => i.Id == invite.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, past)));
        using var anonymous = app.Http();

        var response = await AcceptAsync(anonymous, invite.Token, "Carol");

        await response.ShouldBeProblem(HttpStatusCode.Gone, "invite-expired");
        Assert.Equal(0, await CountUsersAsync(invite.Email));
        await (await anonymous.PostLoginAsync(invite.Email, Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task An_unknown_invite_token_gives_404_invite_unknown()
    {
        using var anonymous = app.Http();

        var response = await AcceptAsync(anonymous, "no-such-invite-token", "Carol");

        await response.ShouldBeProblem(HttpStatusCode.NotFound, "invite-unknown");
    }

    [Fact]
    public async Task A_member_cannot_invite()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var response = await bob.PostAsync("/api/v1/users/invites", new { email = $"carol@{org.Domain}" });

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.False(await app.WithDbAsync(db => db.Invites.AnyAsync(i => i.Email == $"carol@{org.Domain}")));
    }

    [Fact]
    public async Task An_admin_invites_admins_but_not_owners()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob", "admin");

        var owner = await bob.PostAsync("/api/v1/users/invites", new { email = $"carol@{org.Domain}", role = "owner" });
        var admin = await bob.PostAsync("/api/v1/users/invites", new { email = $"dave@{org.Domain}", role = "admin" });
        var unknownRole = await bob.PostAsync("/api/v1/users/invites", new { email = $"erin@{org.Domain}", role = "emperor" });

        await owner.ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");
        Assert.Equal("admin", (await admin.ReadAsync<InviteDto>(HttpStatusCode.Created)).Role);
        await unknownRole.ShouldBeProblem(HttpStatusCode.BadRequest, "role-invalid");
    }

    [Theory]
    [InlineData("short-password", "validation-failed")]
    [InlineData("huge-display-name", "validation-failed")]
    [InlineData("malformed-json", "malformed-json")]
    public async Task A_bad_acceptance_gives_400_and_leaves_the_invite_usable(string mistake, string code)
    {
        var org = await app.OrganizationAsync();
        var invite = await InviteAsync(org, $"carol@{org.Domain}");
        using var anonymous = app.Http();
        var body = mistake switch
        {
            "short-password" => Json(new { token = invite.Token, displayName = "Carol", password = "9chars..." }),
            "huge-display-name" => Json(new { token = invite.Token, displayName = new string('C', 10_000), password = Password }),
            _ => $"{{\"token\":\"{invite.Token}\",\"displayName\":\"Carol\",\"password\":",
        };

        var response = await anonymous.PostAsync("/api/v1/invites/accept", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, code);
        Assert.Equal(0, await CountUsersAsync(invite.Email));
        await (await AcceptAsync(anonymous, invite.Token, "Carol")).ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Inviting_an_email_that_has_an_account_or_a_pending_invite_here_gives_409_email_taken()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await InviteAsync(org, $"carol@{org.Domain}");

        var account = await org.Owner.PostAsync("/api/v1/users/invites", new { email = bob.Email.ToUpperInvariant() });
        var pending = await org.Owner.PostAsync("/api/v1/users/invites", new { email = $"CAROL@{org.Domain}" });

        await account.ShouldBeProblem(HttpStatusCode.Conflict, "email-taken");
        await pending.ShouldBeProblem(HttpStatusCode.Conflict, "email-taken");
    }

    [Fact]
    public async Task Inviting_someone_who_has_an_account_in_another_organization_looks_like_inviting_a_stranger()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var other = await app.OrganizationAsync();
        await InviteAsync(org, $"carol@{org.Domain}");

        var known = await other.Owner.PostAsync("/api/v1/users/invites", new { email = bob.Email });
        var pendingElsewhere = await other.Owner.PostAsync("/api/v1/users/invites", new { email = $"carol@{org.Domain}" });
        var stranger = await other.Owner.PostAsync("/api/v1/users/invites", new { email = $"stranger-{Guid.NewGuid():N}@{org.Domain}" });

        await known.ShouldBe(HttpStatusCode.Created);
        await pendingElsewhere.ShouldBe(HttpStatusCode.Created);
        await stranger.ShouldBe(HttpStatusCode.Created);
        var invite = await known.ReadAsync<InviteDto>(HttpStatusCode.Created);
        Assert.Equal(bob.Email, invite.Email);
        using var anonymous = app.Http();
        var joined = await (await anonymous.PostAsJsonAsync("/api/v1/invites/accept",
                new { token = invite.Token, displayName = "Bob", password = "Bob's other password", deviceName = "Bob's phone" }, TestContext.Current.CancellationToken))
            .ReadAsync<LoginResultDto>(HttpStatusCode.Created);
        Assert.Equal((other.Id, bob.Email), (joined.Me.OrganizationId, joined.Me.Email));
        Assert.NotEqual(bob.Id, joined.Me.Id);
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        Assert.DoesNotContain(await other.Owner.UsersAsync(), u => u.Id == bob.Id);
        Assert.DoesNotContain(await org.Owner.UsersAsync(), u => u.Id == joined.Me.Id);
    }

    [Fact]
    public async Task Markup_in_a_display_name_comes_back_verbatim_as_json_text()
    {
        var org = await app.OrganizationAsync();
        const string name = "<script>alert('x')</script><b>Eve</b> & co";
        var invite = await InviteAsync(org, $"eve@{org.Domain}");
        using var anonymous = app.Http();

        var accepted = await AcceptAsync(anonymous, invite.Token, name);
        var listed = await org.Owner.GetAsync("/api/v1/users");

        Assert.Equal(name, (await accepted.ReadAsync<LoginResultDto>(HttpStatusCode.Created)).Me.DisplayName);
        Assert.Equal("application/json", listed.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("&lt;", await listed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains(await listed.ReadAsync<List<UserDto>>(HttpStatusCode.OK), u => u.DisplayName == name);
        Assert.Equal(name, (await app.LoginAsync(invite.Email, Password)).Name);
    }

    private static async Task<InviteDto> InviteAsync(Org org, string email, string role = "member") =>
        await (await org.Owner.PostAsync("/api/v1/users/invites", new { email, role })).ReadAsync<InviteDto>(HttpStatusCode.Created);

    private static Task<HttpResponseMessage> AcceptAsync(HttpClient anonymous, string token, string displayName) =>
        anonymous.PostAsJsonAsync("/api/v1/invites/accept", new { token, displayName, password = Password });

    private Task<int> CountUsersAsync(string email) =>
        app.WithDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == User.Normalize(email)));

    private static string Json(object value) => System.Text.Json.JsonSerializer.Serialize(value);
}

public sealed class SqliteInviteTests(SqliteApp app) : InviteTests(app);

public sealed class PostgresInviteTests : InviteTests
{
    public PostgresInviteTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
