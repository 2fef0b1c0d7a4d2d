namespace Cubicle.Storage;

/// <summary>
/// A LookupEvents query: scope, at most one attribute, a time range, and the keyset cursor (newest first).
/// </summary>
public sealed record AuditQuery(
    string AccountId,
    string Region,
    string? AttributeKey,
    string? AttributeValue,
    long? StartMs,
    long? EndMs,
    long BeforeSeq,
    int Limit
);
