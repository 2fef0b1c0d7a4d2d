namespace Cubicle.Domain;

/// <summary>The kinds of job of directories (subject "directory") and of their WorkSpaces registrations
/// (subject "registration").</summary>
public static class DirectoryJobs
{
    /// <summary>Requested to Creating to Active (an AD Connector's servers must answer).</summary>
    public const string Create = "CREATE";
    public const string Activate = "ACTIVATE";
    public const string Delete = "DELETE";
    public const string EnableDataAccess = "ENABLE_DATA_ACCESS";
    public const string DisableDataAccess = "DISABLE_DATA_ACCESS";

    /// <summary>A timer: checks an AD Connector's servers (Active while they answer, Impaired while not).</summary>
    public const string Health = "HEALTH";
    public const string Register = "REGISTER";
    public const string Deregister = "DEREGISTER";
}
