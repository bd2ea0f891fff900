namespace Parley.Server.Platform;

/// <summary>
/// A business rule said no. <see cref="Code"/> is stable and listed in docs/problems.md; the message is safe to show.
/// </summary>
public sealed class DomainException(string code, string message, int status = StatusCodes.Status422UnprocessableEntity, string? field = null)
    : Exception(message)
{
    /// <summary>The request field at fault, when there is one (a JSON property, a route or query parameter).</summary>
    public string? Field { get; } = field;

    public string Code { get; } = code;
    public int Status { get; } = status;
}
