using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cubicle.Tests.Architecture;

/// <summary>Sizes a reader can hold in mind: no source file over 400 lines, no method (or constructor, accessor,
/// local function, lambda body of a member) over 60.</summary>
public class SizeTests
{
    private const int FileLines = 400;
    private const int MethodLines = 60;

    private static readonly string Root = Repo.Root;

    private static IEnumerable<string> Sources() =>
        Directory
            .EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"));

    [Fact]
    public void No_source_file_is_over_400_lines()
    {
        var big = Sources()
            .Select(f => (File: Path.GetRelativePath(Root, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > FileLines)
            .Select(f => $"{f.File}: {f.Lines}")
            .ToList();
        Assert.True(big.Count == 0, string.Join("\n", big));
    }

    [Fact]
    public void No_method_is_over_60_lines()
    {
        var big = new List<string>();
        foreach (var file in Sources())
        {
            var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file));
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (
                    node
                    is not (BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax)
                )
                    continue;
                var span = tree.GetLineSpan(node.Span);
                var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
                if (lines > MethodLines)
                    big.Add(
                        $"{Path.GetRelativePath(Root, file)}:{span.StartLinePosition.Line + 1} {Name(node)}: {lines}"
                    );
            }
        }
        Assert.True(big.Count == 0, string.Join("\n", big));
    }

    private static string Name(SyntaxNode node) =>
        node switch
        {
            MethodDeclarationSyntax m => m.Identifier.Text,
            ConstructorDeclarationSyntax c => c.Identifier.Text,
            LocalFunctionStatementSyntax l => l.Identifier.Text,
            _ => node.Kind().ToString(),
        };
}
