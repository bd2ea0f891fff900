namespace Parley.Server.Platform;

/// <summary>
/// A business rule said no. <see cref="Code"/> is stable and listed in docs/problems.md; the message is safe to show.
/// </summary>
public sealed class DomainException(string code, string message, int status = StatusCodes.Status422UnprocessableEntity)
    : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;
}
