namespace Cubicle.Services.DirectoryService;

public sealed class CreateDirectoryRequest
{
    public string? Name { get; set; }
    public string? ShortName { get; set; }
    public string? Password { get; set; }
    public string? Description { get; set; }
    public string? Size { get; set; }
    public DirectoryVpcSettings? VpcSettings { get; set; }
    public List<DsTag>? Tags { get; set; }
    public string? NetworkType { get; set; }
}
