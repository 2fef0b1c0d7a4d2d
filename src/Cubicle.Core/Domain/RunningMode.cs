namespace Cubicle.Domain;

public static class RunningMode
{
    public const string AutoStop = "AUTO_STOP";
    public const string AlwaysOn = "ALWAYS_ON";
    public const string Manual = "MANUAL";

    /// <summary>Only these can be stopped and started by the API (the seed: AutoStop; today also Manual).</summary>
    public static bool IsStoppable(string mode) => mode is AutoStop or Manual;
}
