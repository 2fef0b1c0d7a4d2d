namespace Cubicle.Domain;

/// <summary>
/// The public bundles owned by AMAZON, built in and the same in every region: five images, each with
/// the compute types of the seed (VALUE, STANDARD, PERFORMANCE) and the larger POWER, POWERPRO and
/// GENERALPURPOSE_4XLARGE: 30 bundles, so listing them takes two pages.
/// Ids are stable across releases, so scripts can name them.
/// </summary>
public sealed class BundleCatalog
{
    private static readonly (string Os, string Label, string Image, string Key)[] Images =
    [
        ("AMAZON_LINUX_2", "Amazon Linux 2", "wsi-al2desk01", "al2"),
        ("UBUNTU_22_04", "Ubuntu 22.04", "wsi-ubu2204d1", "ub2"),
        ("ROCKY_8", "Rocky Linux 8", "wsi-rocky8dsk", "rk8"),
        ("WINDOWS_SERVER_2022", "Windows Server 2022", "wsi-win22base", "w22"),
        ("WINDOWS_SERVER_2019", "Windows Server 2019", "wsi-win19base", "w19"),
    ];

    /// <summary>When the catalog was published (CreationTime and LastUpdatedTime of every bundle).</summary>
    public const double PublishedAt = 1767225600; // 2026-01-01T00:00:00Z

    public IReadOnlyList<BundleInfo> Public { get; }
    private readonly Dictionary<string, BundleInfo> _byId;

    public BundleCatalog()
    {
        var list = new List<BundleInfo>();
        foreach (var img in Images)
        foreach (var c in ComputeTypes.All)
        {
            if (c.Bundle is not { } b)
                continue;
            list.Add(
                new BundleInfo(
                    BundleId: $"wsb-{img.Key}{b.Code}01",
                    Name: $"{c.Label} with {img.Label}",
                    Description: $"{c.Label} ({c.VCpus} vCPU, {c.MemoryMiB / 1024} GiB memory, {b.RootGib} GB root "
                        + $"volume, {b.UserGib} GB user volume) with {img.Label}",
                    ImageId: img.Image,
                    OperatingSystemName: img.Os,
                    ComputeTypeName: c.Name,
                    RootGib: b.RootGib,
                    UserGib: b.UserGib,
                    VCpus: c.VCpus,
                    MemoryMiB: c.MemoryMiB,
                    ScreenSize: b.Screen
                )
            );
        }
        Public = list;
        _byId = list.ToDictionary(b => b.BundleId);
    }

    public BundleInfo? Find(string bundleId) => _byId.GetValueOrDefault(bundleId);
}
