namespace Cubicle.Protocol;

public static class ErrorCodes
{
    // Modelled WorkSpaces errors.
    public const string AccessDenied = "AccessDeniedException";
    public const string InvalidParameterValues = "InvalidParameterValuesException";
    public const string InvalidResourceState = "InvalidResourceStateException";
    public const string OperationInProgress = "OperationInProgressException";
    public const string OperationNotSupported = "OperationNotSupportedException";
    public const string ResourceLimitExceeded = "ResourceLimitExceededException";
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string ResourceAlreadyExists = "ResourceAlreadyExistsException";
    public const string ResourceUnavailable = "ResourceUnavailableException";
    public const string UnsupportedWorkspaceConfiguration = "UnsupportedWorkspaceConfigurationException";

    // Common errors of the seed.
    public const string IncompleteSignature = "IncompleteSignature";
    public const string InternalFailure = "InternalFailure";
    public const string InvalidAction = "InvalidAction";
    public const string InvalidClientTokenId = "InvalidClientTokenId";
    public const string MissingAction = "MissingAction";
    public const string MissingAuthenticationToken = "MissingAuthenticationToken";
    public const string RequestExpired = "RequestExpired";
    public const string ServiceUnavailable = "ServiceUnavailable";
    public const string Throttling = "Throttling";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string Serialization = "SerializationException";
    public const string RequestEntityTooLarge = "RequestEntityTooLargeException";
    public const string RequestTimeout = "RequestTimeoutException";
    public const string UnrecognizedClient = "UnrecognizedClientException";

    // Per-item codes in FailedRequests, in AWS's dotted style.
    public const string ItemWorkspaceNotFound = "ResourceNotFound.Workspace";
    public const string ItemUserNotFound = "ResourceNotFound.User";
    public const string ItemBundleNotFound = "ResourceNotFound.Bundle";
    public const string ItemDirectoryNotFound = "ResourceNotFound.Directory";
    public const string ItemWorkspaceExists = "ResourceExists.WorkSpace";
    public const string ItemInvalidState = "InvalidResourceState";
    public const string ItemDirectoryState = "InvalidResourceState.Directory";
    public const string ItemUnsupportedConfiguration = "UnsupportedWorkspaceConfiguration";
    public const string ItemInvalidParameter = "InvalidParameterValuesException";
    public const string ItemSubnetFull = "InsufficientIpAddresses.Subnet";
    public const string ItemAccessDenied = "AccessDeniedException";
    public const string ItemInsufficientCapacity = "InsufficientCapacity";
    public const string ItemAutoStopTimeoutNotApplicable = "AutoStopTimeoutIsNotApplicableForAnAlwaysOnWorkspace";
}
