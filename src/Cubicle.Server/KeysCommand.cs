namespace Cubicle.Server;

/// <summary>`keys create|list|delete`: manages access keys in the data folder.</summary>
public static class KeysCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("keys: not available yet.");
        return Task.FromResult(2);
    }
}
