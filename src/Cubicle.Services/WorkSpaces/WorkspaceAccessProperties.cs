namespace Cubicle.Services.WorkSpaces;

public sealed class WorkspaceAccessProperties
{
    public string? DeviceTypeWindows { get; set; }
    public string? DeviceTypeOsx { get; set; }
    public string? DeviceTypeWeb { get; set; }
    public string? DeviceTypeIos { get; set; }
    public string? DeviceTypeAndroid { get; set; }
    public string? DeviceTypeChromeOs { get; set; }
    public string? DeviceTypeZeroClient { get; set; }
    public string? DeviceTypeLinux { get; set; }
    public string? DeviceTypeWorkSpacesThinClient { get; set; }
    public AccessEndpointConfig? AccessEndpointConfig { get; set; }
}
