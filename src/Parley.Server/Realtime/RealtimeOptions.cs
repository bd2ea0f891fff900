using System.ComponentModel.DataAnnotations;

namespace Parley.Server.Realtime;

/// <summary>Live events. Section "Parley:Realtime".</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Parley:Realtime";

    /// <summary>
    /// Presence travels through conversations of at most this many members. Through a channel of 5,000, every
    /// connect and disconnect went to every other member: 5,000 people coming online made 25 million pushes and
    /// stalled the server. Members of larger channels see each other's presence when they ask
    /// (<c>GET /api/v1/users/presence</c>), and live through any smaller conversation they share.
    /// </summary>
    [Range(2, 100_000)] public int PresenceMaxMembers { get; set; } = 500;
}
