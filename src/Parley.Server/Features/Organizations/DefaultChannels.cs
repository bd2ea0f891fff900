using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Organizations;

/// <summary>A public channel that new people join.</summary>
public sealed record DefaultChannelDto(long Id, string Name);

public static class GetDefaultChannels
{
    public static async Task<Ok<List<DefaultChannelDto>>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct) =>
        TypedResults.Ok(await db.Conversations
            .Where(c => c.OrganizationId == me.OrganizationId && c.IsDefault && c.Kind == ConversationKind.PublicChannel)
            .OrderBy(c => c.Name).Select(c => new DefaultChannelDto(c.Id, c.Name!)).ToListAsync(ct));
}

public static class SetDefaultChannels
{
    public const int MaxChannels = 20;

    public sealed record Request
    {
        [Required, MaxLength(MaxChannels)] public List<long> ConversationIds { get; init; } = [];
    }

    /// <summary>Admins only; replaces the list. Only public channels that are not archived can be default ones.</summary>
    public static async Task<Results<Ok<List<DefaultChannelDto>>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageOrganization))
            return Problems.Forbidden("admin-only", "Only admins can change organization settings.");
        var ids = request.ConversationIds.Distinct().ToList();
        var found = await db.Conversations.Where(c => c.OrganizationId == me.OrganizationId && ids.Contains(c.Id))
            .Select(c => new { c.Id, c.Kind, c.ArchivedAt }).ToListAsync(ct);
        if (found.Count != ids.Count)
            return Problems.NotFound("conversation");
        if (found.Any(c => c.Kind != ConversationKind.PublicChannel || c.ArchivedAt is not null))
            return Problems.Unprocessable("default-channel-invalid", "Default channels are public channels that are not archived.");

        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var before = await db.Conversations.Where(c => c.OrganizationId == me.OrganizationId && c.IsDefault).Select(c => c.Id).ToListAsync(ct);
        // The conversations' rows before the organization's audit head, as the lock order says (docs/architecture.md);
        // only the rows that change.
        await db.Conversations.Where(c => c.OrganizationId == me.OrganizationId && c.IsDefault && !ids.Contains(c.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.IsDefault, false), ct);
        await db.Conversations.Where(c => c.OrganizationId == me.OrganizationId && !c.IsDefault && ids.Contains(c.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.IsDefault, true), ct);
        await db.AuditAsync(me, AuditAction.OrganizationSettingsChanged, "organization", me.OrganizationId.ToString(),
            new { setting = "default-channels", before, after = ids }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok((await GetDefaultChannels.HandleAsync(me, db, ct)).Value!);
    }
}

public static class JoinDefaultChannels
{
    /// <summary>
    /// After a new account is committed: joins its owner to each default channel, one conversation at a time, with the
    /// entries and audit events of a join. A channel archived or no longer default meanwhile is skipped; a guest joins none.
    /// Never fails: the account is already committed, and a join that fails is logged and left for the person to make.
    /// </summary>
    public static async Task JoinDefaultChannelsAsync(this ParleyDb db, CurrentUser newcomer, LiveEvents events, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        if (!newcomer.Can(Capability.BrowsePublicChannels) || !newcomer.Can(Capability.TakePartInConversations)
            || !(await db.PoliciesAsync(newcomer.OrganizationId, ct)).NewPeopleJoinDefaultChannels)
            return;
        var channels = await db.Conversations.AsNoTracking()
            .Where(c => c.OrganizationId == newcomer.OrganizationId && c.IsDefault && c.Kind == ConversationKind.PublicChannel && c.ArchivedAt == null)
            .OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);
        foreach (var conversationId in channels)
        {
            try
            {
                var access = await db.ConversationAccessAsync(newcomer, conversationId, ct);
                if (access is not { CanJoin: true })
                    continue;
                var now = clock.GetUtcNow();
                db.ConversationMembers.Add(new ConversationMember(access.Conversation, newcomer.Id, MemberRole.Member, now));
                var refused = await db.SaveWithAuditAsync(newcomer, conversationId, a => a is { CanJoin: true, Conversation.IsDefault: true } ? null : Problems.NotFound(),
                    AuditAction.MemberAdded, new { user = newcomer.Id, joined = true, isDefault = true }, http, now, ct,
                    (RecordKind.MemberJoined, RecordFacts.Member(newcomer.Id, MemberRole.Member), null));
                if (refused is null)
                    await events.MembershipChangedAsync(new MembershipChangedDto(conversationId, newcomer.Id, "added", "member", newcomer.Id), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The account is committed and its answer is owed: a channel that could not be joined is left for the
                // person to join from the channel list, and said in the log, rather than turning the sign-up into an error.
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(JoinDefaultChannels))
                    .LogWarning(e, "A new account ({User}) could not join the default channel {Conversation}", newcomer.Id, conversationId);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }
}
