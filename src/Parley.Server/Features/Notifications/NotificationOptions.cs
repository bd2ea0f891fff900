using System.ComponentModel.DataAnnotations;

namespace Parley.Server.Features.Notifications;

/// <summary>Web Push to browsers. Section "Parley:Notifications" (docs/notifications.md).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Parley:Notifications";

    /// <summary>
    /// The VAPID <c>sub</c> claim (RFC 8292): how a push service reaches the operator, a <c>mailto:</c> or <c>https:</c> URI.
    /// </summary>
    [Required, RegularExpression("^(mailto:|https://).+", ErrorMessage = "Parley:Notifications:Subject is a mailto: or https: URI.")]
    public string Subject { get; set; } = "mailto:postmaster@localhost";

    /// <summary>Whether a push carries a short preview of the message. Off: sender and conversation only.</summary>
    public bool IncludePreview { get; set; } = true;

    /// <summary>
    /// Accepts push endpoints over plain HTTP and on loopback or private addresses. For tests and development only:
    /// browsers' push services are public HTTPS servers, and the server posts to whatever URL a subscription names.
    /// </summary>
    public bool AllowInsecureEndpoints { get; set; }

    /// <summary>Messages waiting for their pushes. When full, further pushes are dropped (and logged), never the send.</summary>
    [Range(10, 1_000_000)] public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long a push service keeps a push for a browser that is offline (the TTL header).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "28.00:00:00")] public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(12);
}
