using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Organizations;

public abstract class SetupAndHealthTests(ParleyApp app)
{
    [Fact]
    public async Task Health_answers_ok_and_readiness_checks_the_database()
    {
        using var anonymous = app.Http();

        var health = await anonymous.GetAsync("/healthz", TestContext.Current.CancellationToken);
        var ready = await anonymous.GetAsync("/readyz", TestContext.Current.CancellationToken);

        await health.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("ok", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await ready.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_messages_route()
    {
        using var anonymous = app.Http();

        var response = await anonymous.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("\"/api/v1/conversations/{conversationId}/messages\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_docs_page_answers()
    {
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        using var anonymous = app.Http();

        var first = await noRedirects.GetAsync("/docs", TestContext.Current.CancellationToken);
        var followed = await anonymous.GetAsync("/docs", TestContext.Current.CancellationToken);

        Assert.True(first.StatusCode == HttpStatusCode.OK || (int)first.StatusCode is >= 301 and <= 308 && first.Headers.Location!.ToString().Contains("docs"),
            $"/docs answered {(int)first.StatusCode} {first.Headers.Location}");
        await followed.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("text/html", followed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_unknown_api_route_is_a_404_problem()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();

        var byAnonymous = await anonymous.GetAsync("/api/v1/whatever", TestContext.Current.CancellationToken);
        var bySignedIn = await org.Owner.PostAsync("/api/v1/whatever/else");

        await byAnonymous.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await bySignedIn.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_known_route_with_the_wrong_method_is_a_405_problem()
    {
        var org = await app.OrganizationAsync();

        var response = await org.Owner.DeleteAsync("/api/v1/users/me");

        await response.ShouldBeProblem(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();
        var form = new FormUrlEncodedContent([new("email", org.Owner.Email), new("password", org.Owner.Password), new("deviceName", "form")]);

        var response = await anonymous.PostAsync("/api/v1/auth/login", form, TestContext.Current.CancellationToken);

        await response.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Setup_is_unavailable_once_the_deployment_is_set_up()
    {
        using var anonymous = app.Http();
        var name = $"Second {Guid.NewGuid():N}";

        var response = await anonymous.PostAsJsonAsync("/api/v1/setup", new
        {
            token = "a-guessed-setup-token", organization = name, email = $"mallory-{Guid.NewGuid():N}@example.test",
            displayName = "Mallory", password = "a long enough password",
        }, TestContext.Current.CancellationToken);

        await response.ShouldBeProblem(HttpStatusCode.NotFound, "setup-unavailable");
        Assert.False(await app.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == name)));
    }
}

public sealed class SqliteSetupAndHealthTests(SqliteApp app) : SetupAndHealthTests(app);

public sealed class PostgresSetupAndHealthTests : SetupAndHealthTests
{
    public PostgresSetupAndHealthTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
