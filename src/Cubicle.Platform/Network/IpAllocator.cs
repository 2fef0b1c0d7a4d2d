using System.Net;
using Cubicle.Storage;

namespace Cubicle.Network;

/// <summary>
/// Hands out each workspace an address of its own in one of its directory's subnets. Like a VPC, the
/// first four addresses and the last of a subnet are reserved. A cursor per subnet makes the common
/// case one probe; a full subnet is searched once around before giving up.
/// </summary>
public static class IpAllocator
{
    public static (long Base, int Prefix) ParseCidr(string cidr, string subnetId)
    {
        var parts = cidr.Split('/');
        if (
            parts.Length != 2
            || !IPAddress.TryParse(parts[0], out var ip)
            || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(parts[1], out var prefix)
            || prefix is < 8 or > 28
        )
            throw new InvalidDataException($"SubnetCidrs.{subnetId}: '{cidr}' is not an IPv4 CIDR between /8 and /28.");
        var value = ToLong(ip);
        var mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        return (value & mask, prefix);
    }

    /// <summary>A /16 in 10.0.0.0/8 derived from the subnet id, distinct within one directory.</summary>
    public static (long Base, int Prefix) DefaultCidr(string subnetId, HashSet<long> taken)
    {
        var hex = subnetId["subnet-".Length..];
        var octet = Convert.ToInt32(hex[..2], 16);
        long Make(int o) => (10L << 24) | ((long)(o & 0xFF) << 16);
        while (taken.Contains(Make(octet)))
            octet++;
        return (Make(octet), 16);
    }

    /// <summary>The next free address in the subnet, or null when it is full. Runs under the account's lock
    /// (see IWorkspaceStore.LockAccountAsync), so two creations never take the same address.</summary>
    public static async Task<string?> AllocateAsync(IUnitOfWork u, string accountId, string subnetId)
    {
        var s = await u.Registrations.GetSubnetAsync(accountId, subnetId);
        if (s is null)
            return null;
        var size = 1L << (32 - s.Prefix);
        var usable = size - 5;
        for (long i = 0; i < usable; i++)
        {
            var offset = 4 + (s.Cursor + i) % usable;
            var ip = ToString(s.Base + offset);
            if (await u.Workspaces.IpInUseAsync(accountId, subnetId, ip))
                continue;
            s.Cursor = (s.Cursor + i + 1) % usable;
            await u.Registrations.UpsertSubnetAsync(s, keepCursor: false);
            return ip;
        }
        return null;
    }

    private static long ToLong(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return ((long)b[0] << 24) | ((long)b[1] << 16) | ((long)b[2] << 8) | b[3];
    }

    private static string ToString(long v) => $"{(v >> 24) & 0xFF}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}.{v & 0xFF}";
}
