namespace Cubicle.Services.WorkSpaces;

public sealed class AccessEndpoint
{
    public string? AccessEndpointType { get; set; }
    public string? VpcEndpointId { get; set; }
}
