using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Features.Notifications;

/// <summary>What a member wants to hear about one conversation. Stored as numbers: never renumber.</summary>
public enum NotificationLevel
{
    /// <summary>Direct messages, mentions and replies in threads the member takes part in.</summary>
    All = 0,

    /// <summary>Only messages that mention the member (or the whole channel).</summary>
    Mentions = 1,

    /// <summary>Nothing: no push, no notification, not counted in the title.</summary>
    Muted = 2,
}

/// <summary>
/// A browser's Web Push subscription (RFC 8030), bound to the signed-in session that registered it: it lives and dies
/// with that session, and one session has at most one. The keys are the browser's public ones (RFC 8291); they are not
/// secrets, but only this server's pushes carry them.
/// </summary>
public sealed class PushSubscription
{
    public const int MaxEndpointLength = 2048;

    private PushSubscription() { }

    public PushSubscription(Session session, string endpoint, string p256dh, string auth, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = session.OrganizationId;
        UserId = session.UserId;
        SessionId = session.Id;
        Endpoint = endpoint;
        P256dh = p256dh;
        Auth = auth;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public Guid UserId { get; private set; }
    public Guid SessionId { get; private set; }
    public string Endpoint { get; private set; } = "";
    public string P256dh { get; private set; } = "";
    public string Auth { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>The deployment's one VAPID key pair (RFC 8292): made on first use; the private half encrypted with Data Protection.</summary>
public sealed class VapidKey
{
    public const int TheOne = 1;

    private VapidKey() { }

    public VapidKey(string publicKey, string protectedPrivateKey, DateTimeOffset now)
    {
        Id = TheOne;
        PublicKey = publicKey;
        ProtectedPrivateKey = protectedPrivateKey;
        CreatedAt = now;
    }

    public int Id { get; private set; }

    /// <summary>The uncompressed P-256 point, base64url: the browser's <c>applicationServerKey</c>.</summary>
    public string PublicKey { get; private set; } = "";
    public string ProtectedPrivateKey { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

internal sealed class PushSubscriptionConfiguration : IEntityTypeConfiguration<PushSubscription>
{
    public void Configure(EntityTypeBuilder<PushSubscription> e)
    {
        e.Property(s => s.Endpoint).HasMaxLength(PushSubscription.MaxEndpointLength);
        e.Property(s => s.P256dh).HasMaxLength(100);
        e.Property(s => s.Auth).HasMaxLength(50);
        e.HasIndex(s => s.SessionId).IsUnique();
        e.HasIndex(s => s.Endpoint).IsUnique();
        e.HasIndex(s => s.UserId);
        e.HasOne<Session>().WithMany().HasForeignKey(s => s.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VapidKeyConfiguration : IEntityTypeConfiguration<VapidKey>
{
    public void Configure(EntityTypeBuilder<VapidKey> e)
    {
        e.Property(k => k.Id).ValueGeneratedNever();
        e.Property(k => k.PublicKey).HasMaxLength(100);
        e.Property(k => k.ProtectedPrivateKey).HasMaxLength(1000);
    }
}
