namespace Cubicle.Protocol;

/// <summary>The empty output of CreateTags, DeleteTags and ModifyWorkspaceProperties.</summary>
public sealed class EmptyResult
{
    public static readonly EmptyResult Instance = new();
}
