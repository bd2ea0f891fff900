using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Endpoints;

/// <summary>
/// Every endpoint against the wrong caller, generated from the endpoints the server maps (see <see cref="EndpointTable"/>):
/// no valid token answers 401; another organization's admin, and someone of the same organization outside a private or
/// direct conversation, get for every id of it exactly the answer an id that does not exist gets (404 when it is in the
/// route), learn nothing from the body, and change nothing.
/// </summary>
public abstract partial class WrongCallerTests(ParleyApp app) : IDisposable
{
    private readonly HttpClient _http = app.Http();

    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Every_endpoint_has_a_row_in_the_table()
    {
        var problems = EndpointTable.Problems(EndpointTable.Discover(app));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Without_a_valid_token_every_endpoint_answers_401_and_changes_nothing()
    {
        var world = await CallerWorld.OfAsync(app);
        (string Name, string? Token)[] callers =
        [
            ("no token", null), ("a token nobody issued", Guid.NewGuid().ToString("N")),
            ("a revoked session's token", world.RevokedToken), ("a deactivated admin's token", world.DeactivatedToken),
        ];

        await ShouldHoldAndChangeNothingAsync(world, Rows().Select(r => (Func<Task<IEnumerable<string>>>)(async () =>
        {
            var (endpoint, row) = r;
            var answers = new List<(string Caller, Answer Answer)>();
            foreach (var (name, token) in callers)
                answers.Add((name, await CallAsync(endpoint, row, world.Public, token)));
            if (row.Access != Access.Anonymous)
                return answers.Where(a => a.Answer.Status != 401 || a.Answer.Code != "unauthenticated")
                    .Select(a => $"{a.Caller}: expected a 401 problem `unauthenticated`, got {a.Answer}");
            // Open to anyone: a stale or unknown token neither refuses it nor changes its answer.
            var first = answers[0].Answer;
            return answers.Where(a => a.Answer.Status >= 500 || a.Answer.Code == "unauthenticated" || a.Answer.Shape != first.Shape)
                .Select(a => $"{a.Caller}: expected the answer without a token ({first.Status} {first.Code}), got {a.Answer}");
        })));
    }

    [Fact]
    public async Task Another_organizations_admin_gets_for_every_id_the_answer_of_a_missing_one_and_changes_nothing()
    {
        var world = await CallerWorld.OfAsync(app);
        var caller = world.B.Owner.Token;

        await ShouldHoldAndChangeNothingAsync(world,
        [
            .. from r in Rows().Where(r => r.Row.Access == Access.Ids)
               from theirs in world.TargetsOfA
               select (Func<Task<IEnumerable<string>>>)(() => ProbeAsync(r.Endpoint, r.Row, caller, world.OwnOfB, theirs, world.Secrets, Enum.GetValues<Slot>())),
            .. from r in Rows().Where(r => r.Row.Access == Access.Own)
               select (Func<Task<IEnumerable<string>>>)(async () => Judge(await CallAsync(r.Endpoint, r.Row, world.OwnOfB, caller), null, false, world.Secrets)),
        ]);
    }

    [Fact]
    public async Task Outside_a_private_or_direct_conversation_every_endpoint_of_it_answers_404_and_changes_nothing()
    {
        var world = await CallerWorld.OfAsync(app);
        // The user slot stays the caller's own choice: people of one's organization are visible. Sessions are not.
        Slot[] outsideSlots = [Slot.Conversation, Slot.Message, Slot.File, Slot.Session];

        await ShouldHoldAndChangeNothingAsync(world,
        [
            .. from insider in world.Insiders
               from theirs in insider.Outside
               from r in Rows().Where(r => r.Row.Access == Access.Ids && !r.Row.OrganizationWide)
               select (Func<Task<IEnumerable<string>>>)(async () =>
                   (await ProbeAsync(r.Endpoint, r.Row, insider.Caller.Token, insider.Own, theirs, world.ConversationSecrets[theirs], outsideSlots))
                   .Select(f => $"{insider.Caller.Name} ({insider.Role}): {f}")),
            // What a member or guest reads about their own organization does not show those conversations either.
            .. from insider in world.Insiders.Where(i => i.Role != "admin")
               from theirs in insider.Outside
               from r in Rows().Where(r => r.Row.Access == Access.Own && r.Row.MethodFor(r.Endpoint) == "GET" && !r.Row.AuditedForEveryone)
               select (Func<Task<IEnumerable<string>>>)(async () =>
                   Judge(await CallAsync(r.Endpoint, r.Row, insider.Own, insider.Caller.Token), null, false, world.ConversationSecrets[theirs])
                   .Select(f => $"{insider.Caller.Name} ({insider.Role}): {f}")),
        ]);
    }

    [Fact]
    public async Task Every_hub_method_answers_another_organization_and_outsiders_as_for_a_missing_conversation()
    {
        var world = await CallerWorld.OfAsync(app);
        List<(string Name, Actor Caller, Target Own, Target[] Outside, Slot[] Probed)> probes =
        [
            ("another organization's owner", world.B.Owner, world.OwnOfB, [.. world.TargetsOfA], Enum.GetValues<Slot>()),
            .. world.Insiders.Select(i => ($"{i.Caller.Name} ({i.Role})", i.Caller, i.Own, i.Outside, new[] { Slot.Conversation, Slot.Message, Slot.File })),
        ];
        var connections = new List<LiveClient>();
        try
        {
            var checks = new List<Func<Task<IEnumerable<string>>>>();
            foreach (var (name, caller, own, outside, probed) in probes)
            {
                var live = await app.ConnectAsync(caller);
                connections.Add(live);
                checks.AddRange(
                    from row in EndpointTable.HubRows
                    from theirs in outside
                    from swap in Swaps(row.Slots.Intersect(probed).ToList())
                    select (Func<Task<IEnumerable<string>>>)(async () =>
                    {
                        var answer = await InvokeAsync(live, row, own.With(swap, theirs));
                        var missing = await InvokeAsync(live, row, own.With(swap, Target.Nothing()));
                        var call = $"{name}: hub {row.Method} with {theirs.Name}'s {string.Join(" and ", swap)}";
                        return answer == "accepted" ? [$"{call}: accepted"]
                            : answer != missing ? [$"{call}: answered \"{answer}\", but \"{missing}\" for ids that do not exist"]
                            : [];
                    }));
            }
            await ShouldHoldAndChangeNothingAsync(world, checks);
        }
        finally
        {
            foreach (var live in connections)
                await live.DisposeAsync();
        }
    }

    private static async Task<string> InvokeAsync(LiveClient live, HubRow row, Target target)
    {
        try
        {
            await live.Hub.InvokeCoreAsync(row.Method, typeof(object), row.Arguments(target), TestContext.Current.CancellationToken);
            return "accepted";
        }
        catch (Microsoft.AspNetCore.SignalR.HubException e)
        {
            return $"refused: {e.Message}";
        }
    }

    /// <summary>Each slot alone, and when there are several, all of them together.</summary>
    private static IEnumerable<Slot[]> Swaps(IReadOnlyList<Slot> named) =>
        named.Count > 1 ? [.. named.Select(s => new[] { s }), [.. named]] : named.Select(s => new[] { s });

    /// <summary>
    /// Runs the checks a few at a time and fails with every failure they report, and with every row of organization A
    /// that changed meanwhile.
    /// </summary>
    private async Task ShouldHoldAndChangeNothingAsync(CallerWorld world, IEnumerable<Func<Task<IEnumerable<string>>>> checks)
    {
        var before = await OrganizationSnapshot.TakeAsync(app, world.A.Id);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(checks, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken },
            async (check, _) =>
            {
                foreach (var failure in await check())
                    failures.Add(failure);
            });
        var changed = (await OrganizationSnapshot.TakeAsync(app, world.A.Id)).DifferencesFrom(before);

        Assert.True(failures.IsEmpty && changed.Count == 0,
            $"{failures.Count} failure(s):\n{string.Join("\n", failures.Order(StringComparer.Ordinal))}\n" +
            $"{changed.Count} row(s) of organization A changed:\n{string.Join("\n", changed)}");
    }

    /// <summary>
    /// Calls the endpoint with the caller's own ids where one or all of the given slots are someone else's, and again
    /// with ids that do not exist in their place: the two answers must be the same, 404 when the route names them.
    /// </summary>
    private async Task<IEnumerable<string>> ProbeAsync(MappedEndpoint endpoint, Row row, string token, Target own, Target theirs,
        IReadOnlyList<string> secrets, Slot[] probed)
    {
        var failures = new List<string>();
        var nothing = Target.Nothing();
        foreach (var swap in Swaps(endpoint.RouteSlots.Concat(row.BodySlots).Intersect(probed).ToList()))
        {
            var answer = await CallAsync(endpoint, row, own.With(swap, theirs), token);
            var missing = await CallAsync(endpoint, row, own.With(swap, nothing), token);
            failures.AddRange(Judge(answer, missing, swap.Any(endpoint.RouteSlots.Contains), secrets)
                .Select(f => $"{theirs.Name}'s {string.Join(" and ", swap)}: {f}"));
        }
        return failures;
    }

    private static IEnumerable<string> Judge(Answer answer, Answer? missing, bool inRoute, IReadOnlyList<string> secrets)
    {
        if (answer.Status >= 500)
            yield return $"server error: {answer}";
        else if (inRoute && (answer.Status != 404 || answer.Code != "not-found"))
            yield return $"expected 404 `not-found`, got {answer}";
        else if (missing is not null && answer.Shape != missing.Shape)
            yield return $"answered differently than for ids that do not exist: {answer}  /  {missing}";
        foreach (var secret in secrets.Where(s => answer.Body.Contains(s, StringComparison.OrdinalIgnoreCase) && !answer.Request.Contains(s, StringComparison.OrdinalIgnoreCase)))
            yield return $"the answer shows \"{secret}\": {answer}";
    }

    private IEnumerable<(MappedEndpoint Endpoint, Row Row)> Rows()
    {
        var rows = EndpointTable.Rows.ToDictionary(r => r.Key);
        return EndpointTable.Discover(app).Where(e => rows.ContainsKey(e.Key)).Select(e => (e, rows[e.Key]));
    }

    private async Task<Answer> CallAsync(MappedEndpoint endpoint, Row row, Target target, string? token)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = RouteParameter().Replace(endpoint.Pattern + (row.Query is null ? "" : "?" + row.Query),
            m => EndpointTable.RouteParameters[m.Groups[1].Value] is { Slot: { } slot } ? target.Text(slot) : EndpointTable.RouteParameters[m.Groups[1].Value].Value!);
        var body = row.Body?.Invoke(target);
        var (content, text) = body switch
        {
            null => ((HttpContent?)null, ""),
            FileUpload file => (FilePart(file), file.FileName),
            _ => (new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json"),
                JsonSerializer.Serialize(body, JsonSerializerOptions.Web)),
        };
        var method = row.MethodFor(endpoint);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, ct);
        return new Answer($"{method} {path} {text}".TrimEnd(), (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            await response.Content.ReadAsStringAsync(ct));
    }

    private static MultipartFormDataContent FilePart(FileUpload file)
    {
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(file.Text));
        part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        return new MultipartFormDataContent { { part, "file", file.FileName } };
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex RouteParameter();

    /// <summary>One answer, and what it tells the caller.</summary>
    private sealed record Answer(string Request, int Status, string? MediaType, string Body)
    {
        public bool IsProblem => MediaType == "application/problem+json";

        public string? Code => IsProblem && JsonDocument.Parse(Body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;

        /// <summary>What the caller learns: a problem without its trace id, a success's status, anything else in full.</summary>
        public string Shape => IsProblem
            ? $"{Status} {JsonSerializer.Serialize(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Body)!.Where(p => p.Key != "traceId").OrderBy(p => p.Key, StringComparer.Ordinal))}"
            : Status is >= 200 and < 300 ? $"{Status}" : $"{Status} {MediaType} {Body}";

        public override string ToString() => $"{Request} → {Status} {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
    }
}

public sealed class SqliteWrongCallerTests(SqliteApp app) : WrongCallerTests(app);

public sealed class PostgresWrongCallerTests : WrongCallerTests
{
    public PostgresWrongCallerTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
