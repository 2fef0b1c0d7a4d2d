using Cubicle.Api;

namespace Cubicle.Bundles;

/// <summary>A bundle: the API's WorkspaceBundle plus what a desktop provider needs to start one.</summary>
public sealed record BundleInfo(
    string BundleId,
    string Name,
    string Description,
    string ImageId,
    string OperatingSystemName,
    string ComputeTypeName,
    int RootGib,
    int UserGib,
    int VCpus,
    int MemoryMiB,
    string ScreenSize
)
{
    public WorkspaceBundle ToApi(double created) =>
        new()
        {
            BundleId = BundleId,
            Name = Name,
            Owner = "AMAZON",
            Description = Description,
            ImageId = ImageId,
            RootStorage = new RootStorage { Capacity = RootGib.ToString() },
            UserStorage = new UserStorage { Capacity = UserGib.ToString() },
            ComputeType = new ComputeType { Name = ComputeTypeName },
            CreationTime = created,
            LastUpdatedTime = created,
            State = "AVAILABLE",
            BundleType = "REGULAR",
        };
}
