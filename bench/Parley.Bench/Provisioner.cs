namespace Parley.Bench;

/// <summary>A signed-in user of the benchmark organization.</summary>
public sealed record BenchUser(int Index, Guid Id, string Token);

/// <summary>The organization the run creates through the API: its owner, its users and its conversations.</summary>
public sealed class BenchOrganization
{
    public required BenchUser Owner { get; init; }
    public required List<BenchUser> Users { get; init; }
}

/// <summary>
/// Creates an organization with the operator's account, then each user the way people join: an invite from the owner,
/// accepting it, signing in on a device. Bounded parallelism; every call has the API's own timeout.
/// </summary>
public static class Provisioner
{
    private const string Password = "bench password that is long enough";

    public static async Task<BenchOrganization> CreateAsync(ParleyApi api, string operatorEmail, string operatorPassword,
        int userCount, string runId, Action<string> log, CancellationToken ct)
    {
        var op = await api.PostAsync<LoginResult>("/api/v1/auth/login",
            new { email = operatorEmail, password = operatorPassword, deviceName = "bench operator" }, null, ct);
        var ownerEmail = $"owner-{runId}@bench.test";
        var created = await api.PostAsync<CreatedOrganizationResult>("/api/v1/operator/organizations",
            new { name = $"Bench {runId}", ownerEmail }, op.Token, ct);
        var owner = await JoinAsync(api, -1, ownerEmail, created.OwnerInvite.Token, ct);

        var users = new BenchUser[userCount];
        var done = 0;
        await Parallel.ForAsync(0, userCount, new ParallelOptions { MaxDegreeOfParallelism = 12, CancellationToken = ct }, async (i, token) =>
        {
            var email = $"u{i:D5}-{runId}@bench.test";
            var invite = await api.PostAsync<InviteResult>("/api/v1/users/invites", new { email, role = "member" }, owner.Token, token);
            users[i] = await JoinAsync(api, i, email, invite.Token, token);
            if (Interlocked.Increment(ref done) % 1000 == 0)
                log($"  {done} users signed in");
        });
        return new BenchOrganization { Owner = owner, Users = [.. users] };
    }

    private static async Task<BenchUser> JoinAsync(ParleyApi api, int index, string email, string inviteToken, CancellationToken ct)
    {
        await api.PostAsync<UserResult>("/api/v1/invites/accept",
            new { token = inviteToken, displayName = $"Bench user {index}", password = Password }, null, ct);
        var login = await api.PostAsync<LoginResult>("/api/v1/auth/login",
            new { email, password = Password, deviceName = "bench" }, null, ct);
        return new BenchUser(index, login.Me.Id, login.Token);
    }

    public static async Task<List<long>> OpenPairsAsync(ParleyApi api, IReadOnlyList<BenchUser> users, CancellationToken ct)
    {
        var ids = new long[users.Count / 2];
        await Parallel.ForAsync(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (p, token) =>
            ids[p] = (await api.PostAsync<ConversationResult>("/api/v1/conversations/direct",
                new { userIds = new[] { users[2 * p + 1].Id } }, users[2 * p].Token, token)).Id);
        return [.. ids];
    }

    /// <summary>A private channel owned by the organization's owner, with these users as members.</summary>
    public static async Task<long> CreateChannelAsync(ParleyApi api, BenchUser owner, string name, IReadOnlyList<BenchUser> members,
        CancellationToken ct)
    {
        const int PerCreate = 1000;   // the create request takes at most 1,000 members; the rest are added one by one
        var channel = await api.PostAsync<ConversationResult>("/api/v1/conversations",
            new { name, visibility = "private", memberIds = members.Take(PerCreate).Select(u => u.Id).ToList() }, owner.Token, ct);
        await Parallel.ForAsync(PerCreate, Math.Max(PerCreate, members.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) => await api.PostAsync<object>($"/api/v1/conversations/{channel.Id}/members", new { userId = members[i].Id }, owner.Token, token));
        return channel.Id;
    }
}
