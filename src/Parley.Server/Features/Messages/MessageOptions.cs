using System.ComponentModel.DataAnnotations;

namespace Parley.Server.Features.Messages;

/// <summary>Message limits. Section "Parley:Messages".</summary>
public sealed class MessageOptions
{
    public const string Section = "Parley:Messages";

    /// <summary>Longest message text accepted, in characters.</summary>
    [Range(1, 1_000_000)] public int MaxLength { get; set; } = 10_000;

    /// <summary>Most files one message may carry.</summary>
    [Range(0, 100)] public int MaxAttachments { get; set; } = 10;
}
