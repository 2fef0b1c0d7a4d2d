using System.Collections.Concurrent;

namespace Cubicle.Desktops;

/// <summary>The host's Linux account of each workspace (cub-...), which its session runs as, and its uid and gid,
/// looked up once and then remembered.</summary>
internal sealed class DesktopAccounts
{
    private readonly ConcurrentDictionary<string, (uint Uid, uint Gid)> _known = new();

    /// <summary>The Linux account of a workspace (ids are at most 32 characters).</summary>
    public static string AccountOf(string workspaceId) => "cub-" + workspaceId[3..Math.Min(workspaceId.Length, 31)];

    /// <summary>The account's ids, after creating the account if there is none yet.</summary>
    public async Task<(uint Uid, uint Gid)> EnsureAsync(string workspaceId, CancellationToken ct)
    {
        if (await IdsAsync(workspaceId, ct) is { } ids)
            return ids;
        // The host account cannot log in: the session has a passwd of its own.
        await HostCommand.CheckAsync(
            "useradd",
            [
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                AccountOf(workspaceId),
            ],
            ct
        );
        return await IdsAsync(workspaceId, ct) ?? throw new InvalidOperationException("useradd made no account");
    }

    /// <summary>The account's uid and gid, or null when it has no account on this host.</summary>
    public async Task<(uint Uid, uint Gid)?> IdsAsync(string workspaceId, CancellationToken ct)
    {
        if (_known.TryGetValue(workspaceId, out var known))
            return known;
        var account = AccountOf(workspaceId);
        var uid = await HostCommand.RunAsync("id", ["-u", account], ct);
        var gid = await HostCommand.RunAsync("id", ["-g", account], ct);
        if (uid.ExitCode != 0 || gid.ExitCode != 0)
            return null;
        var ids = (uint.Parse(uid.Output.Trim()), uint.Parse(gid.Output.Trim()));
        _known[workspaceId] = ids;
        return ids;
    }

    /// <summary>Deletes the account, if there is one, and forgets its ids.</summary>
    public async Task RemoveAsync(string workspaceId, CancellationToken ct)
    {
        var account = AccountOf(workspaceId);
        if ((await HostCommand.RunAsync("id", ["-u", account], ct)).ExitCode == 0)
            await HostCommand.CheckAsync("userdel", [account], ct);
        _known.TryRemove(workspaceId, out _);
    }
}
