using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Governance;

/// <summary>
/// An organizational unit (a department, a team), in one tree per organization. The tree never has a cycle: moves are
/// checked against it inside the transaction that makes them (<see cref="UnitTree"/>).
/// </summary>
public sealed class Unit
{
    public const int MaxNameLength = 80;

    private Unit() { }

    public Unit(Guid organizationId, string name, Guid? parentId, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        Name = ValidName(name);
        ParentId = parentId;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>Null for a unit at the top of the tree.</summary>
    public Guid? ParentId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The unit's private channel, whose members follow the people placed in the unit; null: none.</summary>
    public long? ChannelId { get; private set; }

    public void AttachChannel(long conversationId) => ChannelId = conversationId;

    public void Rename(string name) => Name = ValidName(name);

    /// <summary>Under <paramref name="parentId"/>; the caller has checked it is not this unit or below it.</summary>
    public void MoveUnder(Guid? parentId) => ParentId = parentId;

    public static string ValidName(string name) =>
        (name is null ? null : UserText.Name(name).Trim()) is { Length: > 0 and <= MaxNameLength } trimmed && !trimmed.Any(char.IsControl)
            ? trimmed
            : throw new DomainException("unit-name-invalid", $"Unit names are 1 to {MaxNameLength} characters.", 400);
}

/// <summary>Where a person sits: at most one unit, and at most one manager, who is never the person nor below them.</summary>
public sealed class Placement
{
    private Placement() { }

    public Placement(Guid organizationId, Guid userId)
    {
        OrganizationId = organizationId;
        UserId = userId;
    }

    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public Guid? UnitId { get; private set; }
    public Guid? ManagerId { get; private set; }

    public void Place(Guid? unitId, Guid? managerId)
    {
        UnitId = unitId;
        ManagerId = managerId;
    }
}

internal sealed class UnitConfiguration : IEntityTypeConfiguration<Unit>
{
    public void Configure(EntityTypeBuilder<Unit> e)
    {
        e.ToTable("Units");
        e.Property(u => u.Name).HasMaxLength(Unit.MaxNameLength);
        e.HasIndex(u => new { u.OrganizationId, u.ParentId });
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(u => u.OrganizationId);
        e.HasOne<Unit>().WithMany().HasForeignKey(u => u.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PlacementConfiguration : IEntityTypeConfiguration<Placement>
{
    public void Configure(EntityTypeBuilder<Placement> e)
    {
        e.ToTable("Placements");
        e.HasKey(p => p.UserId);
        e.HasIndex(p => new { p.OrganizationId, p.UnitId });
        e.HasIndex(p => new { p.OrganizationId, p.ManagerId });
        e.HasOne<Accounts.User>().WithOne().HasForeignKey<Placement>(p => p.UserId);
        e.HasOne<Accounts.User>().WithMany().HasForeignKey(p => p.ManagerId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Unit>().WithMany().HasForeignKey(p => p.UnitId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(p => p.OrganizationId);
    }
}
