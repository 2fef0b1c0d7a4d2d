namespace Cubicle.Protocol;

/// <summary>A group of operations behind one X-Amz-Target prefix and SigV4 signing name.</summary>
/// <param name="InvalidParameterCode">The error this service answers bad input with (the validator raises
/// InvalidParameterValuesException; Directory Service calls it InvalidParameterException).</param>
/// <param name="RestPaths">For a restJson1 service: each operation's path (POST), instead of X-Amz-Target.</param>
/// <param name="QueryMembers">For a restJson1 service: the input members that come from the query string.</param>
public sealed record ServiceApi(
    string TargetPrefix,
    string SigningName,
    IReadOnlyList<IOperation> Operations,
    string InvalidParameterCode = ErrorCodes.InvalidParameterValues,
    IReadOnlyDictionary<string, string>? RestPaths = null,
    string[]? QueryMembers = null
)
{
    public bool IsRestJson => RestPaths is not null;

    /// <summary>The error as this service names it.</summary>
    public ApiException Translate(ApiException ex) =>
        ex.Code switch
        {
            ErrorCodes.InvalidParameterValues when InvalidParameterCode != ex.Code => new ApiException(
                InvalidParameterCode,
                ex.Message,
                ex.Status
            )
            {
                ResourceId = ex.ResourceId,
                Reason = ex.Reason,
            },
            // restJson1 services model throttling as ThrottlingException, status 429.
            ErrorCodes.Throttling when IsRestJson => new ApiException("ThrottlingException", ex.Message, 429),
            // ... and a policy's refusal as AccessDeniedException, status 403.
            ErrorCodes.AccessDenied when IsRestJson => new ApiException(ex.Code, ex.Message, 403)
            {
                Reason = ex.Reason ?? "IAM_AUTH",
            },
            _ => ex,
        };
}
