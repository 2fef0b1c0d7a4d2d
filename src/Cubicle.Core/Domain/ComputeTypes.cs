namespace Cubicle.Domain;

/// <summary>
/// Every compute type the API names (ComputeTypeName), in one table: what validation accepts, what public bundles
/// are made of, and the CPU and memory a local desktop of each type gets (its cgroup limits).
/// </summary>
public static class ComputeTypes
{
    public static readonly IReadOnlyList<ComputeTypeInfo> All =
    [
        new("VALUE", "Value", 1, 2048, Bundle: ("val", 80, 10, "1280x800")),
        new("STANDARD", "Standard", 2, 4096, Bundle: ("std", 80, 50, "1600x900")),
        new("PERFORMANCE", "Performance", 2, 8192, Bundle: ("prf", 80, 100, "1920x1080")),
        new("POWER", "Power", 4, 16384, Bundle: ("pwr", 175, 100, "1920x1080")),
        new("POWERPRO", "PowerPro", 8, 32768, Bundle: ("pwp", 175, 100, "2560x1440")),
        new("GENERALPURPOSE_4XLARGE", "GeneralPurpose.4xlarge", 16, 65536, Bundle: ("gp4", 175, 100, "2560x1440")),
        new("GENERALPURPOSE_8XLARGE", "GeneralPurpose.8xlarge", 32, 131072),
        new("GRAPHICS", "Graphics", 8, 15360, Gpu: true),
        new("GRAPHICSPRO", "GraphicsPro", 16, 124928, Gpu: true),
        new("GRAPHICS_G4DN", "Graphics.g4dn", 4, 16384, Gpu: true),
        new("GRAPHICSPRO_G4DN", "GraphicsPro.g4dn", 16, 65536, Gpu: true),
        new("GRAPHICS_G6_XLARGE", "Graphics.g6.xlarge", 4, 16384, Gpu: true),
        new("GRAPHICS_G6_2XLARGE", "Graphics.g6.2xlarge", 8, 32768, Gpu: true),
        new("GRAPHICS_G6_4XLARGE", "Graphics.g6.4xlarge", 16, 65536, Gpu: true),
        new("GRAPHICS_G6_8XLARGE", "Graphics.g6.8xlarge", 32, 131072, Gpu: true),
        new("GRAPHICS_G6_16XLARGE", "Graphics.g6.16xlarge", 64, 262144, Gpu: true),
        new("GRAPHICS_GR6_4XLARGE", "Graphics.gr6.4xlarge", 16, 131072, Gpu: true),
        new("GRAPHICS_GR6_8XLARGE", "Graphics.gr6.8xlarge", 32, 262144, Gpu: true),
        new("GRAPHICS_G6F_LARGE", "Graphics.g6f.large", 2, 8192, Gpu: true),
        new("GRAPHICS_G6F_XLARGE", "Graphics.g6f.xlarge", 4, 16384, Gpu: true),
        new("GRAPHICS_G6F_2XLARGE", "Graphics.g6f.2xlarge", 8, 32768, Gpu: true),
        new("GRAPHICS_G6F_4XLARGE", "Graphics.g6f.4xlarge", 16, 65536, Gpu: true),
        new("GRAPHICS_GR6F_4XLARGE", "Graphics.gr6f.4xlarge", 16, 131072, Gpu: true),
    ];

    public static readonly string[] Names = [.. All.Select(c => c.Name)];

    private static readonly Dictionary<string, ComputeTypeInfo> ByName = All.ToDictionary(c => c.Name);

    /// <summary>The type of that name; an unknown or missing one is taken as STANDARD.</summary>
    public static ComputeTypeInfo Of(string? name) =>
        name is not null && ByName.TryGetValue(name, out var c) ? c : ByName["STANDARD"];
}
