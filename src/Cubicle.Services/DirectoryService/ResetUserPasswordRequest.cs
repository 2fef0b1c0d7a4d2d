namespace Cubicle.Services.DirectoryService;

public sealed class ResetUserPasswordRequest
{
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? NewPassword { get; set; }
}
