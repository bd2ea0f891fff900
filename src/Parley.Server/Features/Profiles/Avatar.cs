using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Features.Profiles;

/// <summary>
/// A person's picture, already cut to a square of <see cref="AvatarImage.Size"/> pixels and re-encoded by the server:
/// never the bytes that were uploaded. Kept in the database (a few kilobytes), one row per person.
/// </summary>
public sealed class Avatar
{
    private Avatar() { }

    public Avatar(User user, byte[] image, DateTimeOffset now)
    {
        UserId = user.Id;
        OrganizationId = user.OrganizationId;
        Replace(image, now);
    }

    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public byte[] Image { get; private set; } = [];
    public DateTimeOffset UpdatedAt { get; private set; }

    public void Replace(byte[] image, DateTimeOffset now) => (Image, UpdatedAt) = (image, now);
}

internal sealed class AvatarConfiguration : IEntityTypeConfiguration<Avatar>
{
    public void Configure(EntityTypeBuilder<Avatar> e)
    {
        e.HasKey(a => a.UserId);
        e.HasOne<User>().WithOne().HasForeignKey<Avatar>(a => a.UserId);
        e.HasIndex(a => a.OrganizationId);
    }
}
