namespace Cubicle.Domain;

/// <summary>Whether Directory Service Data may read and change a directory's users.</summary>
public static class DataAccessStates
{
    public const string Disabled = "Disabled";
    public const string Enabling = "Enabling";
    public const string Enabled = "Enabled";
    public const string Disabling = "Disabling";
}
