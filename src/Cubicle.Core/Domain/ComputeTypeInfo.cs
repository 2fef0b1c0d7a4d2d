namespace Cubicle.Domain;

/// <summary>One compute type of the WorkSpaces API, with the resources a desktop of that type gets.</summary>
/// <param name="Label">As bundles name it ("Value with Amazon Linux 2").</param>
/// <param name="Gpu">It needs a GPU, which local desktops cannot give.</param>
/// <param name="Bundle">Public bundles come in it: (code in the bundle id, root GB, user GB, screen).</param>
public sealed record ComputeTypeInfo(
    string Name,
    string Label,
    int VCpus,
    int MemoryMiB,
    bool Gpu = false,
    (string Code, int RootGib, int UserGib, string Screen)? Bundle = null
);
