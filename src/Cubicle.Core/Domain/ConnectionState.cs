namespace Cubicle.Domain;

public static class ConnectionState
{
    public const string Connected = "CONNECTED";
    public const string Disconnected = "DISCONNECTED";
    public const string Unknown = "UNKNOWN";
}
