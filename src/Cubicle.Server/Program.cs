using Cubicle;
using Cubicle.Server;

// `Cubicle.Server keys ...` manages access keys; anything else runs the server.
if (args.Length > 0 && args[0] == "keys")
    return await KeysCommand.RunAsync(args[1..]);

var app = ServerHost.Build(args);
if (app is null) return 2;
await app.RunAsync();
return 0;
