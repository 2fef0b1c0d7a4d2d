namespace Cubicle.Storage;

/// <summary>Which filter a keyset page of workspaces uses (each has an index of its own).</summary>
public enum WorkspaceFilter
{
    Scope,
    Directory,
    User,
    Bundle,
    Name,
}
