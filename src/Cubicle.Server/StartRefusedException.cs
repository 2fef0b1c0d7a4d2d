namespace Cubicle.Server;

/// <summary>The configuration cannot run: the server says why and exits without serving.</summary>
public sealed class StartRefusedException(string why) : Exception(why);
