using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspacesResult : IDisposable
{
    /// <summary>Workspace shapes, pre-rendered by the store (see WorkspaceJson).</summary>
    public List<RawJson>? Workspaces { get; set; }
    public string? NextToken { get; set; }

    /// <summary>The pooled buffer the shapes were read into, given back once the answer is written.</summary>
    internal IDisposable? Buffer { get; set; }

    public void Dispose()
    {
        Buffer?.Dispose();
        Buffer = null;
    }
}
