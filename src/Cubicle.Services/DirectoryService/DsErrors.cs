namespace Cubicle.Services.DirectoryService;

/// <summary>The error codes of the Directory Service API (all answered with status 400).</summary>
public static class DsErrors
{
    public const string Client = "ClientException";
    public const string EntityDoesNotExist = "EntityDoesNotExistException";
    public const string DirectoryDoesNotExist = "DirectoryDoesNotExistException";
    public const string DirectoryUnavailable = "DirectoryUnavailableException";
    public const string DirectoryInDesiredState = "DirectoryInDesiredStateException";
    public const string DirectoryLimitExceeded = "DirectoryLimitExceededException";
    public const string InvalidParameter = "InvalidParameterException";
    public const string InvalidPassword = "InvalidPasswordException";
    public const string InvalidNextToken = "InvalidNextTokenException";
    public const string UnsupportedOperation = "UnsupportedOperationException";
    public const string UserDoesNotExist = "UserDoesNotExistException";
}
