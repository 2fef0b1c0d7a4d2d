namespace Cubicle.Storage;

/// <summary>An API shape rendered as JSON, with the version of the renderer that made it: a row keeps both, so
/// a format change is noticed and the row rendered again instead of serving stale JSON.</summary>
public readonly record struct RenderedJson(byte[] Utf8, int Version);
