namespace Cubicle.Services.WorkSpaces;

public sealed class AccessEndpointConfig
{
    public List<AccessEndpoint>? AccessEndpoints { get; set; }
    public List<string>? InternetFallbackProtocols { get; set; }
}
