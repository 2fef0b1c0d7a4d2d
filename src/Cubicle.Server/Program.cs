using Cubicle.Server;

// `keys ...` manages access keys, `users ...` directory users' passwords, `verify` validates the audit trail's
// files; anything else runs the server.
if (args.Length > 0 && args[0] == "keys")
    return await KeysCommand.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "users")
    return await UsersCommand.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "verify")
    return await VerifyCommand.RunAsync(args[1..]);

if (args is ["--help"] or ["-h"] or ["help"])
{
    Console.Write(ServerHelp.Help());
    return 0;
}

var app = await ServerHost.BuildAsync(args);
if (app is null)
    return 2;
try
{
    await app.RunAsync();
}
catch (Exception ex) when (ex is InvalidDataException or IOException or Cubicle.Storage.StoreUnavailableException)
{
    // The start-up work (the directories file, the database) found something it cannot run with.
    Console.Error.WriteLine($"Refusing to start: {ex.Message}");
    return 2;
}
return 0;
