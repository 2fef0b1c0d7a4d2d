namespace Cubicle.Server;

public sealed record DeletedKey(string Deleted);
