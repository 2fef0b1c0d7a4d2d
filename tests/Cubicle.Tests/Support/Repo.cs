namespace Cubicle.Tests;

/// <summary>The repository the tests run from: the folder that holds Cubicle.slnx.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cubicle.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cubicle.slnx not found above the tests");
    }
}
