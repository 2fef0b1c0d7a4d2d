using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>Tags on workspaces and directories: keys 1..127, values up to 255, at most 50 per resource.</summary>
public sealed class TagService(IDatabase db)
{
    public const int MaxTagsPerResource = 50;

    public async Task<EmptyResult> CreateAsync(CallContext ctx, CreateTagsRequest req)
    {
        Validate.Required(req.ResourceId, "ResourceId");
        Validate.Length(req.ResourceId, 1, int.MaxValue, "ResourceId");
        Validate.Required(req.Tags, "Tags");
        WorkspaceRules.Tags(req.Tags, "Tags");
        ctx.Authorize("CreateTags", ArnOf(ctx, req.ResourceId!));
        var tags = Dedupe(req.Tags!);
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                // Reading the resource locks its row (a write's statements lock what they read): concurrent tag
                // changes of one resource, on any node, take turns, and the limit holds.
                await RequireResourceAsync(u, ctx, req.ResourceId!);
                var existing = (await u.Tags.GetAsync(ctx.AccountId, ctx.Region, req.ResourceId!))
                    .Select(t => t.Key!)
                    .ToHashSet();
                var total = existing.Count + tags.Count(t => !existing.Contains(t.Key!));
                if (total > MaxTagsPerResource)
                    throw new ApiException(
                        ErrorCodes.ResourceLimitExceeded,
                        $"A resource can have at most {MaxTagsPerResource} tags; {req.ResourceId} would have {total}."
                    );
                await u.Tags.PutAsync(ctx.AccountId, ctx.Region, req.ResourceId!, Tag.Records(tags));
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    public async Task<EmptyResult> DeleteAsync(CallContext ctx, DeleteTagsRequest req)
    {
        Validate.Required(req.ResourceId, "ResourceId");
        Validate.Length(req.ResourceId, 1, int.MaxValue, "ResourceId");
        Validate.Required(req.TagKeys, "TagKeys");
        for (var i = 0; i < req.TagKeys!.Count; i++)
        {
            Validate.Required(req.TagKeys[i], $"TagKeys[{i}]");
            Validate.Length(req.TagKeys[i], 1, 127, $"TagKeys[{i}]");
        }
        ctx.Authorize("DeleteTags", ArnOf(ctx, req.ResourceId!));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                await RequireResourceAsync(u, ctx, req.ResourceId!);
                await u.Tags.DeleteAsync(ctx.AccountId, ctx.Region, req.ResourceId!, req.TagKeys);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    public async Task<DescribeTagsResult> DescribeAsync(CallContext ctx, DescribeTagsRequest req)
    {
        Validate.Required(req.ResourceId, "ResourceId");
        Validate.Length(req.ResourceId, 1, int.MaxValue, "ResourceId");
        ctx.Authorize("DescribeTags", ArnOf(ctx, req.ResourceId!));
        var tags = await db.ReadAsync(async u =>
        {
            await RequireResourceAsync(u, ctx, req.ResourceId!);
            return await u.Tags.GetAsync(ctx.AccountId, ctx.Region, req.ResourceId!);
        });
        return new DescribeTagsResult { TagList = Tag.Of(tags) };
    }

    /// <summary>The same key twice in one request: the last value wins, as if sent one after the other.</summary>
    private static List<Tag> Dedupe(List<Tag> tags)
    {
        var byKey = new Dictionary<string, Tag>(StringComparer.Ordinal);
        foreach (var t in tags)
            byKey[t.Key!] = t;
        return byKey.Values.ToList();
    }

    private static string ArnOf(CallContext ctx, string resourceId) =>
        resourceId.StartsWith("d-", StringComparison.Ordinal) || resourceId.StartsWith("wsd-", StringComparison.Ordinal)
            ? ctx.DirectoryArn(resourceId)
            : ctx.WorkspaceArn(resourceId);

    private static async Task RequireResourceAsync(IUnitOfWork u, CallContext ctx, string id)
    {
        var exists = id switch
        {
            _ when id.StartsWith("ws-", StringComparison.Ordinal) => await u.Workspaces.GetAsync(
                ctx.AccountId,
                ctx.Region,
                id
            )
                is not null,
            _ when id.StartsWith("d-", StringComparison.Ordinal) || id.StartsWith("wsd-", StringComparison.Ordinal) =>
                await u.Registrations.GetAsync(ctx.AccountId, ctx.Region, id) is not null,
            _ => false,
        };
        if (!exists)
            throw ApiException.NotFound($"The resource {id} could not be found.", id);
    }
}
