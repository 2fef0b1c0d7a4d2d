using System.Text;

namespace Cubicle.Server;

/// <summary>`cubicle --help`: the usage and every option of <see cref="ServerOptions.All"/>, by group.</summary>
public static class ServerHelp
{
    public static string Help()
    {
        var text = new StringBuilder(
            """
            usage: cubicle [--option VALUE]...        run the server
                   cubicle keys|users|verify ...      manage access keys, directory users, check the audit files

            Each option can also come from a --config JSON file (same names) or from CUBICLE_<NAME> in the
            environment (CUBICLE_NODE_NAME for --node-name); the command line wins. The root key comes from
            CUBICLE_ROOT_ACCESS_KEY_ID and CUBICLE_ROOT_SECRET_ACCESS_KEY, the master key (with --database) from
            CUBICLE_MASTER_KEY. Reference: docs/configuration.md.

            """
        );
        foreach (var group in ServerOptions.All.GroupBy(o => o.Group))
        {
            text.Append('\n').Append(group.Key).Append('\n');
            foreach (var o in group)
            {
                var values = o.Values is null ? "" : $" ({string.Join("|", o.Values)})";
                var defaults = o.Default is null ? "" : $" [default: {o.Default}]";
                text.Append($"  --{o.Name, -30} {o.Description}{values}{defaults}\n");
            }
        }
        return text.ToString();
    }
}
