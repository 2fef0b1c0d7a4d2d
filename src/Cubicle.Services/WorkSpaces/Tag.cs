using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

public sealed class Tag
{
    public string? Key { get; set; }
    public string? Value { get; set; }

    /// <summary>As the store keeps them (a tag without a value has an empty one).</summary>
    public static IEnumerable<TagRecord> Records(IEnumerable<Tag> tags) =>
        tags.Select(t => new TagRecord(t.Key!, t.Value ?? ""));

    public static List<Tag> Of(IEnumerable<TagRecord> records) =>
        [.. records.Select(r => new Tag { Key = r.Key, Value = r.Value })];
}
