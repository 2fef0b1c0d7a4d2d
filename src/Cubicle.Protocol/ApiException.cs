namespace Cubicle.Protocol;

/// <summary>
/// The one error type of the service: an AWS error code, its message and HTTP status.
/// Thrown anywhere below the endpoint and encoded as {"__type": Code, "message": ...}.
/// </summary>
public sealed class ApiException : Exception
{
    /// <summary>Messages and members quote what the client sent (an id, a name), which can be up to a whole body
    /// long. They are cut to this many characters: every answer and audit event that carries one stays small, and
    /// no JSON writer has to escape megabytes of it (into pooled buffers that are kept afterwards).</summary>
    public const int MaxTextLength = 1024;

    private readonly string? _resourceId;
    private readonly string? _reason;

    public string Code { get; }
    public int Status { get; }

    /// <summary>Modelled extra member of ResourceNotFound/ResourceUnavailable.</summary>
    public string? ResourceId
    {
        get => _resourceId;
        init => _resourceId = Clip(value, MaxTextLength);
    }

    /// <summary>Modelled extra member of OperationNotSupportedException.</summary>
    public string? Reason
    {
        get => _reason;
        init => _reason = Clip(value, MaxTextLength);
    }

    public ApiException(string code, string message, int status = 400)
        : base(Clip(message, MaxTextLength))
    {
        Code = code;
        Status = status;
    }

    /// <summary>The text cut to at most <paramref name="max"/> characters ("..." included), never between the two
    /// halves of a surrogate pair: half a pair is not text, and no JSON writer can encode it.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    public static string? Clip(string? value, int max)
    {
        if (value is null || value.Length <= max)
            return value;
        var cut = max - 3;
        if (char.IsHighSurrogate(value[cut - 1]))
            cut--;
        return value[..cut] + "...";
    }

    public static ApiException InvalidParameter(string message) => new(ErrorCodes.InvalidParameterValues, message);

    public static ApiException NotFound(string message, string? resourceId) =>
        new(ErrorCodes.ResourceNotFound, message) { ResourceId = resourceId };
}
