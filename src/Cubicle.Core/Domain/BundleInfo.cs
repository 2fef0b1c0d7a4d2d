namespace Cubicle.Domain;

/// <summary>An AMAZON bundle: what the API shows of it (BundleService) and what a desktop provider needs to start
/// one.</summary>
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
);
