namespace Cubicle.Domain;

/// <summary>The stages of a Directory Service directory.</summary>
public static class DirectoryStages
{
    public const string Requested = "Requested";
    public const string Creating = "Creating";
    public const string Active = "Active";
    public const string Impaired = "Impaired";
    public const string Failed = "Failed";
    public const string Deleting = "Deleting";
    public const string Deleted = "Deleted";
}
