namespace Cubicle.Storage;

/// <summary>The kinds of resource a job acts on.</summary>
public static class JobSubjects
{
    public const string Workspace = "workspace";
    public const string Directory = "directory";

    /// <summary>A directory's registration with WorkSpaces.</summary>
    public const string Registration = "registration";
}
