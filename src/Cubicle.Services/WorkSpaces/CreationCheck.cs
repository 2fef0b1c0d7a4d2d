using Cubicle.Domain;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The outcome of checking one item of CreateWorkspaces: why it is refused, or what it is made with.</summary>
internal sealed record CreationCheck(ItemFailure? Failure, WorkspaceDirectory? Directory, BundleInfo? Bundle)
{
    public static CreationCheck Refused(string code, string message) => new(new ItemFailure(code, message), null, null);
}
