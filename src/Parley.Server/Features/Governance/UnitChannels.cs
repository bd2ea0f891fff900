using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Governance;

public static class CreateUnitChannel
{
    /// <summary>
    /// A private channel named after the unit: its creator owns it, and the unit's people are its members, now and as they
    /// are placed in or out of the unit (<see cref="UnitChannelMembership"/>).
    /// </summary>
    public static async Task<Results<Created<UnitDto>, ProblemHttpResult>> HandleAsync(Guid unitId, CurrentUser me, ParleyDb db,
        LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var (unit, refused) = await db.UnitAccessAsync(me, unitId, Capability.ManageUnits, "Only admins manage units.", ct);
        if (unit is null)
            return refused!;
        if (unit.ChannelId is not null)
            return Problems.Conflict("unit-channel-exists", "This unit already has its channel.");
        // The organization's own people: not guests (who do not see everyone), not compliance officers (who do not converse).
        var taking = BuiltInRoles.RolesWith(Capability.TakePartInConversations).Intersect(BuiltInRoles.RolesWith(Capability.SeeEveryone)).ToList();
        var people = await db.Placements.Where(p => p.UnitId == unit.Id && p.UserId != me.Id)
            .Join(db.Users, p => p.UserId, u => u.Id, (p, u) => u)
            .Where(u => u.DeactivatedAt == null && taking.Contains(u.Role)).Select(u => u.Id).ToListAsync(ct);

        var channel = new Conversation(me.OrganizationId, ConversationKind.PrivateChannel, unit.Name, null, me.Id, now);
        db.Conversations.Add(channel);
        await db.SaveChangesAsync(ct);
        db.ConversationMembers.Add(new ConversationMember(channel, me.Id, MemberRole.Owner, now));
        foreach (var id in people)
            db.ConversationMembers.Add(new ConversationMember(channel, id, MemberRole.Member, now));
        await db.AppendAllAsync(channel, [
            (RecordKind.ConversationCreated, me.Id, RecordFacts.Created(channel.Kind), RecordFacts.ChannelContent(channel.Name, channel.Topic)),
            (RecordKind.MemberAdded, me.Id, RecordFacts.Member(me.Id, MemberRole.Owner), null),
            .. people.Select(id => (RecordKind.MemberAdded, me.Id, (JsonObject?)RecordFacts.Member(id, MemberRole.Member), (string?)null)),
        ], now, ct);
        await db.SaveChangesAsync(ct);
        // The organization's audit head, then the unit's row, as every change of a unit takes them (docs/architecture.md,
        // "Lock order"). Set only where none is: a second creation that waited here finds it set and changes nothing.
        await db.AuditAsync(me, AuditAction.UnitChannelCreated, "unit", unit.Id.ToString(),
            new { conversationId = channel.Id, members = people.Count + 1 }, http, now, ct);
        if (await db.Units.Where(u => u.Id == unit.Id && u.ChannelId == null).ExecuteUpdateAsync(s => s.SetProperty(u => u.ChannelId, channel.Id), ct) != 1)
            return Problems.Conflict("unit-channel-exists", "This unit already has its channel.");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        unit.AttachChannel(channel.Id);

        foreach (var id in people)
            await events.MembershipChangedAsync(new MembershipChangedDto(channel.Id, id, "added", "member", me.Id), ct);
        return TypedResults.Created($"/api/v1/units/{unit.Id}", unit.ToDto(await db.Placements.CountAsync(p => p.UnitId == unit.Id, ct)));
    }
}

/// <summary>Keeps a unit channel's members in step with the unit, inside the transaction that places a person.</summary>
public static class UnitChannelMembership
{
    /// <summary>
    /// Locks the channels of the units a person leaves and joins, in id order, before the audit head (docs/architecture.md,
    /// "Lock order"). Returns them, leaving first.
    /// </summary>
    public static async Task<(Conversation? Leaving, Conversation? Joining)> LockAsync(ParleyDb db, Guid organizationId, Guid? fromUnit, Guid? toUnit,
        CancellationToken ct)
    {
        if (fromUnit == toUnit)
            return (null, null);
        var ids = await db.Units.Where(u => u.OrganizationId == organizationId && (u.Id == fromUnit || u.Id == toUnit) && u.ChannelId != null)
            .Select(u => new { u.Id, u.ChannelId }).ToListAsync(ct);
        foreach (var channelId in ids.Select(i => i.ChannelId!.Value).Distinct().Order())
            await db.LockAsync(channelId, ct);
        async Task<Conversation?> ChannelOf(Guid? unitId) =>
            ids.SingleOrDefault(i => i.Id == unitId)?.ChannelId is { } id ? await db.Conversations.SingleAsync(c => c.Id == id, ct) : null;
        return (await ChannelOf(fromUnit), await ChannelOf(toUnit));
    }

    /// <summary>Removes the person (unless they own it) from the channel they leave and adds them to the one they join, with the record's entries.</summary>
    public static async Task<List<MembershipChangedDto>> MoveAsync(ParleyDb db, CurrentUser me, User person, Conversation? leaving,
        Conversation? joining, DateTimeOffset now, CancellationToken ct)
    {
        var changes = new List<MembershipChangedDto>();
        // The channel's owner stays: the channel keeps someone to manage it whoever moves.
        if (leaving is not null && await db.ConversationMembers.SingleOrDefaultAsync(m => m.ConversationId == leaving.Id && m.UserId == person.Id, ct)
                is { Role: not MemberRole.Owner } member)
        {
            db.ConversationMembers.Remove(member);
            await db.AppendAllAsync(leaving, [(RecordKind.MemberRemoved, me.Id, RecordFacts.Member(person.Id, member.Role), null)], now, ct);
            changes.Add(new MembershipChangedDto(leaving.Id, person.Id, "removed", null, me.Id));
        }
        if (joining is { IsArchived: false } && person.IsActive && person.Can(Capability.TakePartInConversations) && person.Can(Capability.SeeEveryone)
            && !await db.ConversationMembers.AnyAsync(m => m.ConversationId == joining.Id && m.UserId == person.Id, ct))
        {
            db.ConversationMembers.Add(new ConversationMember(joining, person.Id, MemberRole.Member, now));
            await db.AppendAllAsync(joining, [(RecordKind.MemberAdded, me.Id, RecordFacts.Member(person.Id, MemberRole.Member), null)], now, ct);
            changes.Add(new MembershipChangedDto(joining.Id, person.Id, "added", "member", me.Id));
        }
        await db.SaveChangesAsync(ct);
        return changes;
    }
}
