using System.Reflection;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace Cubicle.Tests.Architecture;

/// <summary>The layers of the README's Layout section: each project references only the ones below it, and no
/// two folders of one layer depend on each other both ways.</summary>
public class LayerTests
{
    // Lowest first; a project may reference only projects earlier in the list (Storage and Core know nothing of
    // each other: both are the bottom).
    private static readonly string[] Layers =
    [
        "Cubicle.Storage",
        "Cubicle.Core",
        "Cubicle.Protocol",
        "Cubicle.Platform",
        "Cubicle.Services",
        "Cubicle.Server",
    ];

    private static readonly Assembly[] Assemblies = Layers.Select(Assembly.Load).ToArray();

    private static readonly ArchUnitNET.Domain.Architecture Code = new ArchLoader().LoadAssemblies(Assemblies).Build();

    [Fact]
    public void Every_project_references_only_the_layers_below_it()
    {
        var upward = new List<string>();
        for (var i = 0; i < Layers.Length; i++)
        {
            foreach (var reference in Assemblies[i].GetReferencedAssemblies())
            {
                var at = Array.IndexOf(Layers, reference.Name);
                if (at >= i || (Layers[i] == "Cubicle.Core" && at == 0))
                    upward.Add($"{Layers[i]} -> {reference.Name}");
            }
        }
        Assert.Empty(upward);
    }

    [Fact]
    public void The_services_folders_do_not_depend_on_each_other_in_a_cycle() =>
        Slices().Matching("Cubicle.Services.(*)").Should().BeFreeOfCycles().Check(Code);

    [Fact]
    public void The_platform_folders_do_not_depend_on_each_other_in_a_cycle() =>
        Slices().Matching("Cubicle.(*)").Should().BeFreeOfCycles().Check(Code);
}
