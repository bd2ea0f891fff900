using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Endpoints;

/// <summary>The ids a request names, in its route or its body.</summary>
public enum Slot { Conversation, Message, User, File, Session }

/// <summary>The ids one request is made of: a conversation, a top-level message in it, a file in it, a user, a session.</summary>
public sealed record Target(string Name, long Conversation, long Message, Guid User, Guid File, Guid Session)
{
    public string Text(Slot slot) => slot switch
    {
        Slot.Conversation => Conversation.ToString(CultureInfo.InvariantCulture),
        Slot.Message => Message.ToString(CultureInfo.InvariantCulture),
        Slot.User => User.ToString(),
        Slot.File => File.ToString(),
        _ => Session.ToString(),
    };

    /// <summary>This target with the given slots taken from another.</summary>
    public Target With(IEnumerable<Slot> slots, Target from) => slots.Aggregate(this, (t, slot) => slot switch
    {
        Slot.Conversation => t with { Conversation = from.Conversation },
        Slot.Message => t with { Message = from.Message },
        Slot.User => t with { User = from.User },
        Slot.File => t with { File = from.File },
        _ => t with { Session = from.Session },
    });

    /// <summary>Ids that exist nowhere: what "not yours" must look exactly like.</summary>
    public static Target Nothing() => new("ids that do not exist",
        4_000_000_000 + Random.Shared.NextInt64(1_000_000_000), 4_000_000_000 + Random.Shared.NextInt64(1_000_000_000),
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
}

/// <summary>Who may call an endpoint.</summary>
public enum Access
{
    /// <summary>Open to anyone (sign-in, invites, setup, health). Checked for its own rules instead of 401.</summary>
    Anonymous,

    /// <summary>Signed in, about the caller's own organization or self only: no id of anyone else in the route or body.</summary>
    Own,

    /// <summary>Signed in, naming ids in its route or body: someone else's ids must look like ids that do not exist.</summary>
    Ids,
}

/// <summary>A file to upload as multipart/form-data, where a row's body is a file.</summary>
public sealed record FileUpload(string FileName, string Text);

/// <summary>
/// One row of <see cref="EndpointTable"/>: how to call one endpoint (method and route pattern as the server maps it,
/// route parameters written <c>{name}</c> without constraints). Route parameters are filled by name from
/// <see cref="EndpointTable.RouteParameters"/>; the row gives a valid body built from a target's ids, and the query,
/// in which <c>{conversationId}</c> and the like are filled as in the route. <see cref="BodySlots"/> names the ids
/// its body and query carry.
/// </summary>
public sealed record Row(string Key, Access Access, Func<Target, object?>? Body = null, string? Query = null, Slot[]? BodySlots = null,
    string? Send = null)
{
    /// <summary>The method to send: the mapped one, or for an endpoint that takes any method (<c>*</c>), <see cref="Send"/> or GET.</summary>
    public string MethodFor(MappedEndpoint endpoint) => endpoint.Method == "*" ? Send ?? "GET" : endpoint.Method;

    public Slot[] BodySlots { get; init; } = BodySlots ?? [];

    /// <summary>
    /// Acts on any conversation of the caller's organization by an organization-wide power (compliance officers, admins:
    /// retention and holds), not by membership: another organization's ids must still look missing, but being outside a
    /// private or direct conversation plays no part. Members and guests get the same refusal for every id.
    /// </summary>
    public bool OrganizationWide { get; init; }

    /// <summary>
    /// Every successful call writes an audit entry in the caller's organization (a download of one's own personal data), so
    /// it is left out where a caller of organization A must change nothing in it. Its own tests check what it shows.
    /// </summary>
    public bool AuditedForEveryone { get; init; }
}

/// <summary>
/// One method clients invoke on the live hub (<c>/hubs/events</c>): its arguments built from a target's ids, and the
/// slots they name.
/// </summary>
public sealed record HubRow(string Method, Func<Target, object?[]> Arguments, Slot[] Slots);

/// <summary>An endpoint as the running server maps it.</summary>
public sealed record MappedEndpoint(string Method, string Pattern, IReadOnlyList<string> Parameters)
{
    public string Key => $"{Method} {Pattern}";

    /// <summary>The slots its route names (parameters without a slot, like an emoji, get a fixed value).</summary>
    public IReadOnlyList<Slot> RouteSlots => [.. Parameters.Select(p => EndpointTable.RouteParameters[p].Slot).OfType<Slot>()];
}

/// <summary>
/// Every endpoint of the server, and how to call it. Generated tests take the list of endpoints from the running
/// server's routing (<see cref="EndpointDataSource"/>), so a new endpoint without a row here fails
/// <c>WrongCallerTests.Every_endpoint_has_a_row_in_the_table</c> with the line to add.
/// </summary>
public static class EndpointTable
{
    /// <summary>
    /// Endpoints without a row: documentation pages, anonymous by design and naming no data, and SCIM provisioning, which
    /// takes its own tokens and answers in its own error format (tested for wrong callers in Scim/ScimAuthenticationTests).
    /// </summary>
    public static readonly string[] UnlistedPrefixes = ["/openapi/", "/docs", "/scim/v2"];

    public sealed record RouteParameter(Slot? Slot, string? Value = null);

    /// <summary>How each route parameter is filled, by name, in every route.</summary>
    public static readonly IReadOnlyDictionary<string, RouteParameter> RouteParameters = new Dictionary<string, RouteParameter>
    {
        ["conversationId"] = new(Slot.Conversation),
        ["messageId"] = new(Slot.Message),
        ["userId"] = new(Slot.User),
        ["fileId"] = new(Slot.File),
        ["sessionId"] = new(Slot.Session),
        ["emoji"] = new(null, Uri.EscapeDataString(":thumbsup:")),
        ["kind"] = new(null, "public"),
        ["holdId"] = new(null, "0193e0a0-0000-7000-8000-000000000001"),
        ["exportId"] = new(null, "0193e0a0-0000-7000-8000-000000000002"),
        ["requestId"] = new(null, "0193e0a0-0000-7000-8000-000000000003"),
        ["organizationId"] = new(null, "0193e0a0-0000-7000-8000-000000000005"),
        ["tokenId"] = new(null, "0193e0a0-0000-7000-8000-000000000004"),
        ["runId"] = new(null, "0193e0a0-0000-7000-8000-000000000005"),
        ["unitId"] = new(null, "0193e0a0-0000-7000-8000-000000000006"),
    };

    private static string Fresh(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private const string Password = "a long test password";

    public static readonly Row[] Rows =
    [
        // Organizations and setup
        new("POST /api/v1/setup", Access.Anonymous, _ => new
        {
            token = Guid.NewGuid().ToString("N"), organization = "Probe", email = $"{Fresh("setup")}@nowhere.test", displayName = "Probe", password = Password,
        }),
        new("GET /api/v1/organization", Access.Own),
        new("PATCH /api/v1/organization", Access.Own, _ => new { name = Fresh("renamed") }),
        new("POST /api/v1/operator/organizations", Access.Own, _ => new { name = Fresh("tenant"), ownerEmail = $"{Fresh("owner")}@nowhere.test" }),

        // Sign-in, sessions and people
        new("POST /api/v1/auth/login", Access.Anonymous, _ => new { email = $"{Fresh("nobody")}@nowhere.test", password = Password, deviceName = "probe" }),
        new("GET /api/v1/auth/sessions", Access.Own),
        new("DELETE /api/v1/auth/sessions/{sessionId}", Access.Ids),
        new("POST /api/v1/invites/accept", Access.Anonymous, _ => new { token = Guid.NewGuid().ToString("N"), displayName = "Probe", password = Password }),
        new("GET /api/v1/users/me", Access.Own),
        new("GET /api/v1/users", Access.Own),
        new("GET /api/v1/users/presence", Access.Own),
        new("POST /api/v1/users/invites", Access.Own, _ => new { email = $"{Fresh("invitee")}@nowhere.test", role = "member" }),
        new("PUT /api/v1/users/{userId}/role", Access.Ids, _ => new { role = "guest" }),
        new("POST /api/v1/users/{userId}/deactivate", Access.Ids),

        // Profiles and the first day
        new("GET /api/v1/me/profile", Access.Own),
        new("PATCH /api/v1/me/profile", Access.Own, _ => new { title = "changed by the caller" }),
        new("PUT /api/v1/me/status", Access.Own, _ => new { text = "set by the caller" }),
        new("DELETE /api/v1/me/status", Access.Own),
        new("PUT /api/v1/me/avatar", Access.Own, _ => new { }),
        new("DELETE /api/v1/me/avatar", Access.Own),
        new("GET /api/v1/users/{userId}/avatar", Access.Ids),
        new("GET /api/v1/organization/default-channels", Access.Own),
        new("PUT /api/v1/organization/default-channels", Access.Ids, t => new { conversationIds = new[] { t.Conversation } },
            BodySlots: [Slot.Conversation]) { OrganizationWide = true },

        // Two-factor sign-in
        new("POST /api/v1/auth/login/second-factor", Access.Anonymous, _ => new { challenge = Guid.NewGuid().ToString("N"), code = "123456" }),
        new("GET /api/v1/auth/two-factor", Access.Own),
        new("POST /api/v1/auth/two-factor/enrolment", Access.Own, _ => new { }),
        new("POST /api/v1/auth/two-factor/enrolment/confirm", Access.Own, _ => new { code = "123456" }),
        new("POST /api/v1/auth/two-factor/recovery-codes", Access.Own, _ => new { code = "123456" }),
        new("POST /api/v1/auth/two-factor/disable", Access.Own, _ => new { code = "123456" }),
        new("POST /api/v1/users/{userId}/two-factor/reset", Access.Ids),
        new("POST /api/v1/auth/oidc/discover", Access.Anonymous, _ => new { email = $"{Fresh("nobody")}@nowhere.test" }),
        new("GET /api/v1/auth/oidc/{organizationId}/start", Access.Anonymous),
        new("GET /api/v1/auth/oidc/{organizationId}/callback", Access.Anonymous, Query: "code=probe&state=probe"),
        new("POST /api/v1/auth/oidc/complete", Access.Anonymous, _ => new { ticket = Guid.NewGuid().ToString("N"), deviceName = "probe" }),
        new("GET /api/v1/organization/sso", Access.Own),
        new("PUT /api/v1/organization/sso", Access.Own, _ => new
        {
            displayName = "Probe SSO", issuer = "https://login.example.com/", clientId = "probe", clientSecret = "probe-secret",
            justInTime = "match-verified-email", allowedDomains = new[] { "probe.example.com" },
        }),
        new("DELETE /api/v1/organization/sso", Access.Own),
        new("GET /api/v1/organization/password-sign-in", Access.Own),
        new("PUT /api/v1/organization/password-sign-in", Access.Own, _ => new { allowed = true }),
        new("GET /api/v1/organization/two-factor", Access.Own),
        new("PUT /api/v1/organization/two-factor", Access.Own, _ => new { required = false }),

        // Directory sync
        new("GET /api/v1/organization/directory", Access.Own),
        new("PUT /api/v1/organization/directory", Access.Own, _ => new
        {
            serverUrl = "ldap://127.0.0.1:9/", bindDn = "cn=sync,dc=example,dc=test", bindPassword = "probe", baseDn = "dc=example,dc=test",
            userFilter = "(objectClass=inetOrgPerson)",
        }),
        new("DELETE /api/v1/organization/directory", Access.Own),
        new("POST /api/v1/organization/directory/sync", Access.Own, _ => new { }),
        new("GET /api/v1/organization/directory/runs", Access.Own),
        new("GET /api/v1/organization/directory/runs/{runId}", Access.Own),

        // Conversations and membership
        new("GET /api/v1/conversations", Access.Own),
        new("GET /api/v1/conversations/browse", Access.Own),
        new("POST /api/v1/conversations", Access.Ids, t => new { name = Fresh("probe"), visibility = "private", memberIds = new[] { t.User } },
            BodySlots: [Slot.User]),
        new("POST /api/v1/conversations/direct", Access.Ids, t => new { userIds = new[] { t.User } }, BodySlots: [Slot.User]),
        new("GET /api/v1/conversations/{conversationId}", Access.Ids),
        new("PATCH /api/v1/conversations/{conversationId}", Access.Ids, _ => new { name = Fresh("renamed"), topic = "changed by the caller" }),
        new("POST /api/v1/conversations/{conversationId}/archive", Access.Ids, _ => new { }),
        new("POST /api/v1/conversations/{conversationId}/unarchive", Access.Ids, _ => new { }),
        new("POST /api/v1/conversations/{conversationId}/join", Access.Ids, _ => new { }),
        new("POST /api/v1/conversations/{conversationId}/leave", Access.Ids, _ => new { }),
        new("POST /api/v1/conversations/{conversationId}/read", Access.Ids, _ => new { seq = 1 }),
        new("GET /api/v1/conversations/{conversationId}/members", Access.Ids),
        new("POST /api/v1/conversations/{conversationId}/members", Access.Ids, t => new { userId = t.User, role = "moderator" }, BodySlots: [Slot.User]),
        new("DELETE /api/v1/conversations/{conversationId}/members/{userId}", Access.Ids),
        new("PUT /api/v1/conversations/{conversationId}/members/{userId}/role", Access.Ids, _ => new { role = "moderator" }),

        // Messages
        new("GET /api/v1/conversations/{conversationId}/messages", Access.Ids),
        new("POST /api/v1/conversations/{conversationId}/messages", Access.Ids,
            t => new { content = "posted by the caller", clientMessageId = Guid.NewGuid(), threadRootId = t.Message, attachmentIds = new[] { t.File } },
            BodySlots: [Slot.Message, Slot.File]),
        new("GET /api/v1/conversations/{conversationId}/changes", Access.Ids, Query: "after=0"),
        new("POST /api/v1/search/messages", Access.Ids, t => new { q = "caller", conversationId = t.Conversation }, BodySlots: [Slot.Conversation]),
        new("PATCH /api/v1/conversations/{conversationId}/messages/{messageId}", Access.Ids, _ => new { content = "edited by the caller" }),
        new("DELETE /api/v1/conversations/{conversationId}/messages/{messageId}", Access.Ids),
        new("GET /api/v1/conversations/{conversationId}/messages/{messageId}/replies", Access.Ids),
        new("GET /api/v1/conversations/{conversationId}/messages/{messageId}/versions", Access.Ids),
        new("PUT /api/v1/conversations/{conversationId}/messages/{messageId}/reactions/{emoji}", Access.Ids, _ => new { }),
        new("DELETE /api/v1/conversations/{conversationId}/messages/{messageId}/reactions/{emoji}", Access.Ids),
        new("GET /api/v1/conversations/{conversationId}/pins", Access.Ids),
        new("PUT /api/v1/conversations/{conversationId}/messages/{messageId}/pin", Access.Ids, _ => new { }),
        new("DELETE /api/v1/conversations/{conversationId}/messages/{messageId}/pin", Access.Ids),

        // Notifications
        new("GET /api/v1/notifications/push-key", Access.Own),
        new("GET /api/v1/notifications/push-subscriptions/current", Access.Own),
        new("POST /api/v1/notifications/push-subscriptions", Access.Own, _ => new
        {
            // A port where nothing listens: a push to it fails at once instead of holding the queue.
            endpoint = $"https://127.0.0.1:9/{Fresh("probe")}",
            keys = new { p256dh = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4", auth = "BTBZMqHH6r4Tts7J_aSIgg" },
        }),
        new("DELETE /api/v1/notifications/push-subscriptions/current", Access.Own),
        new("GET /api/v1/conversations/{conversationId}/notifications", Access.Ids),
        new("PUT /api/v1/conversations/{conversationId}/notifications", Access.Ids, _ => new { level = "muted" }),

        // Files
        new("POST /api/v1/conversations/{conversationId}/files", Access.Ids, _ => new FileUpload("dropped.txt", "dropped by the caller")),
        new("GET /api/v1/files/{fileId}", Access.Ids),

        // Record and audit
        new("GET /api/v1/admin/integrity", Access.Own),
        new("GET /api/v1/admin/audit", Access.Own),
        new("POST /api/v1/admin/record/checkpoints", Access.Own, _ => new { }),
        new("GET /api/v1/admin/record/checkpoints/latest", Access.Own),
        new("GET /api/v1/admin/record/keys", Access.Own),
        new("POST /api/v1/admin/record/keys/rotate", Access.Own, _ => new { }),
        new("GET /api/v1/admin/record/proofs/inclusion", Access.Own, Query: "leaf=0&size=1"),
        new("GET /api/v1/admin/record/proofs/consistency", Access.Own, Query: "from=1&to=1"),
        new("GET /api/v1/admin/record/export", Access.Own),

        // Compliance: retention and legal holds
        new("GET /api/v1/compliance/retention/policies", Access.Own),
        new("PUT /api/v1/compliance/retention/policies/organization", Access.Own, _ => new { maximumDays = 36500 }),
        new("DELETE /api/v1/compliance/retention/policies/organization", Access.Own),
        new("PUT /api/v1/compliance/retention/policies/kinds/{kind}", Access.Own, _ => new { maximumDays = 36500 }),
        new("DELETE /api/v1/compliance/retention/policies/kinds/{kind}", Access.Own),
        new("PUT /api/v1/compliance/retention/policies/conversations/{conversationId}", Access.Ids, _ => new { maximumDays = 36500 }) { OrganizationWide = true },
        new("DELETE /api/v1/compliance/retention/policies/conversations/{conversationId}", Access.Ids) { OrganizationWide = true },
        new("GET /api/v1/compliance/retention/dry-run", Access.Own),
        new("POST /api/v1/compliance/retention/purge", Access.Own, _ => new { }),
        new("GET /api/v1/compliance/holds", Access.Own),
        new("POST /api/v1/compliance/holds", Access.Ids, t => new { name = "probe", custodianIds = new[] { t.User }, conversationIds = new[] { t.Conversation } },
            BodySlots: [Slot.User, Slot.Conversation]) { OrganizationWide = true },
        new("GET /api/v1/compliance/holds/{holdId}", Access.Own),
        new("POST /api/v1/compliance/holds/{holdId}/release", Access.Own, _ => new { }),
        new("POST /api/v1/compliance/holds/{holdId}/approve-release", Access.Own, _ => new { }),
        new("GET /api/v1/compliance/conversations", Access.Own),

        // Compliance: eDiscovery search and exports
        new("POST /api/v1/compliance/search", Access.Ids, t => new { senderIds = new[] { t.User }, conversationIds = new[] { t.Conversation } },
            BodySlots: [Slot.User, Slot.Conversation]) { OrganizationWide = true },
        new("GET /api/v1/compliance/exports", Access.Own),
        new("POST /api/v1/compliance/exports", Access.Ids,
            t => new { criteria = new { senderIds = new[] { t.User }, conversationIds = new[] { t.Conversation } }, format = "jsonl" },
            BodySlots: [Slot.User, Slot.Conversation]) { OrganizationWide = true },
        new("GET /api/v1/compliance/exports/{exportId}", Access.Own),
        new("GET /api/v1/compliance/exports/{exportId}/download", Access.Own),
        new("GET /api/v1/compliance/settings", Access.Own),
        new("PUT /api/v1/compliance/settings", Access.Own, _ => new { holdReleaseNeedsApproval = false }),

        // Compliance: GDPR requests
        new("GET /api/v1/me/personal-data", Access.Own) { AuditedForEveryone = true },
        new("GET /api/v1/compliance/people/{userId}/personal-data", Access.Ids) { OrganizationWide = true },
        new("POST /api/v1/compliance/people/{userId}/erasure", Access.Ids, _ => new { }) { OrganizationWide = true },
        new("GET /api/v1/compliance/erasures/{requestId}", Access.Own),
        new("GET /api/v1/compliance/processing-record", Access.Own),

        // Provisioning (SCIM) tokens
        new("GET /api/v1/organization/scim-tokens", Access.Own),
        new("POST /api/v1/organization/scim-tokens", Access.Own, _ => new { name = Fresh("directory") }),
        new("DELETE /api/v1/organization/scim-tokens/{tokenId}", Access.Own),

        // Governance: units, placement, policies
        new("GET /api/v1/units", Access.Own),
        new("POST /api/v1/units", Access.Own, _ => new { name = Fresh("unit") }),
        new("PATCH /api/v1/units/{unitId}", Access.Own, _ => new { name = Fresh("unit") }),
        new("DELETE /api/v1/units/{unitId}", Access.Own),
        new("GET /api/v1/units/{unitId}/people", Access.Own),
        new("POST /api/v1/units/{unitId}/channel", Access.Own),
        new("PUT /api/v1/users/{userId}/placement", Access.Ids, _ => new { }),
        new("GET /api/v1/organization/policies", Access.Own),
        new("PUT /api/v1/organization/policies", Access.Own, _ => new { channelCreation = "everyone", groupCreation = "everyone" }),

        // Live events: negotiate, then the connection itself
        new("* /hubs/events/negotiate", Access.Own, Query: "negotiateVersion=1", Send: "POST"),
        new("* /hubs/events", Access.Own),

        // Health
        new("GET /healthz", Access.Anonymous),
        new("* /readyz", Access.Anonymous),
    ];

    /// <summary>Every method of the live hub that clients invoke.</summary>
    public static readonly HubRow[] HubRows =
    [
        new(nameof(ParleyHub.StartTyping), t => [t.Conversation], [Slot.Conversation]),
    ];

    /// <summary>The methods clients can invoke on the hub: its own public methods, without the connection events.</summary>
    public static IReadOnlyList<string> HubMethods() =>
    [
        .. typeof(ParleyHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.Name is not (nameof(Hub.OnConnectedAsync) or nameof(Hub.OnDisconnectedAsync) or nameof(Hub.Dispose)))
            .Select(m => m.Name).Distinct().Order(StringComparer.Ordinal),
    ];

    /// <summary>Every endpoint the running server maps, except documentation.</summary>
    public static IReadOnlyList<MappedEndpoint> Discover(ParleyApp app) =>
    [
        .. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Pattern: PatternOf(e.RoutePattern)))
            .Where(e => !UnlistedPrefixes.Any(prefix => e.Pattern.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => new MappedEndpoint(method, e.Pattern, [.. e.Endpoint.RoutePattern.Parameters.Select(p => p.Name)])))
            .DistinctBy(e => e.Key)
            .OrderBy(e => e.Pattern, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal),
    ];

    /// <summary>What is wrong with the table against the running server: missing rows, stale rows, unknown parameters.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<MappedEndpoint> endpoints)
    {
        var problems = new List<string>();
        var rows = Rows.ToDictionary(r => r.Key);
        var missing = endpoints.Where(e => !rows.ContainsKey(e.Key)).ToList();
        if (missing.Count > 0)
            problems.Add(
                $"{missing.Count} endpoint(s) have no row in {nameof(EndpointTable)}.{nameof(Rows)} (tests/Parley.IntegrationTests/Endpoints/EndpointTable.cs):\n" +
                string.Join("\n", missing.Select(e => $"    {e.Key}")) + "\n" +
                "  Add one row per endpoint, for example\n" +
                string.Join("\n", missing.Select(e => e.Parameters.Count > 0
                    ? $"    new(\"{e.Key}\", Access.Ids, t => new {{ /* a valid body, with t.User... where it names ids */ }}, BodySlots: [/* the ids it names */]),"
                    : $"    new(\"{e.Key}\", Access.Own, _ => new {{ /* a valid body */ }}),")) + "\n" +
                "  Access.Anonymous: open to anyone (checked for its own rules); Access.Own: only the caller's own organization or self, " +
                "no id of anyone else; Access.Ids: names ids in its route (filled by name from RouteParameters) or its body " +
                "(build them from the target `t` and list them in BodySlots), so another organization's ids must answer like ids that do not exist.");
        foreach (var method in HubMethods().Except(HubRows.Select(r => r.Method)))
            problems.Add($"The hub method {nameof(ParleyHub)}.{method} has no row in {nameof(EndpointTable)}.{nameof(HubRows)}: add " +
                $"new(nameof(ParleyHub.{method}), t => [/* its arguments, from t.Conversation... */], [/* the slots they name */]).");
        foreach (var stale in HubRows.Select(r => r.Method).Except(HubMethods()))
            problems.Add($"{nameof(EndpointTable)}.{nameof(HubRows)} has a row for {stale}, which {nameof(ParleyHub)} does not have: remove or correct it.");
        foreach (var stale in rows.Keys.Except(endpoints.Select(e => e.Key)))
            problems.Add($"{nameof(EndpointTable)} has a row for {stale}, which the server does not map: remove or correct it.");
        foreach (var e in endpoints)
        {
            foreach (var parameter in e.Parameters.Where(p => !RouteParameters.ContainsKey(p)))
                problems.Add($"{e.Key}: no filler for route parameter {{{parameter}}}. Add it to {nameof(EndpointTable)}.{nameof(RouteParameters)}.");
            if (!rows.TryGetValue(e.Key, out var row) || e.Parameters.Any(p => !RouteParameters.ContainsKey(p)))
                continue;
            var named = e.RouteSlots.Count + row.BodySlots.Length;
            if (row.Access == Access.Ids && named == 0)
                problems.Add($"{e.Key} is Access.Ids but names no id: list the ids its body carries in BodySlots, or make it Access.Own.");
            if (row.Access != Access.Ids && named > 0)
                problems.Add($"{e.Key} names ids in its route or body: make it Access.Ids.");
        }
        return problems;
    }

    private static string PatternOf(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            _ => part.ToString(),
        }))));
}
