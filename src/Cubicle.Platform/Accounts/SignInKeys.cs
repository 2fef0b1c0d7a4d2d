using System.Net;
using System.Net.Sockets;

namespace Cubicle.Accounts;

/// <summary>
/// What one sign-in attempt is counted against: the client's network (an IPv4 address, or an IPv6 /64: whoever
/// holds one address of a /64 usually holds all 2^64), the user (or console key id) across every network, and the
/// pair of both (this network guessing this user).
/// </summary>
public sealed record SignInKeys(string Address, string Pair, string User)
{
    /// <summary>The keys of an attempt at <paramref name="user"/> of <paramref name="scope"/> (a registration code,
    /// or "console") from <paramref name="client"/>.</summary>
    public static SignInKeys For(string scope, string user, IPAddress? client)
    {
        var who = $"{scope}/{user.ToLowerInvariant()}";
        var network = Network(client);
        return new($"addr:{network}", $"pair:{network}|{who}", $"user:{who}");
    }

    /// <summary>The network an address is counted in: the address itself for IPv4 (IPv4-mapped IPv6 included), its
    /// /64 for IPv6.</summary>
    public static string Network(IPAddress? client)
    {
        if (client is null)
            return "unknown";
        if (client.IsIPv4MappedToIPv6)
            client = client.MapToIPv4();
        if (client.AddressFamily != AddressFamily.InterNetworkV6)
            return client.ToString();
        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
