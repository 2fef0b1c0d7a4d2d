using Cubicle.Domain;
using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

public sealed class BundleService(BundleCatalog catalog, PageTokens tokens)
{
    private const int PageSize = 25;

    public Task<DescribeWorkspaceBundlesResult> DescribeAsync(CallContext ctx, DescribeWorkspaceBundlesRequest req)
    {
        Validate.Count(req.BundleIds, 1, 25, "BundleIds");
        Validate.Each(req.BundleIds, Validate.BundleIdPattern(), "BundleIds");
        Validate.PageToken(req.NextToken);
        if (req.BundleIds is not null && req.Owner is not null)
            throw ApiException.InvalidParameter(
                "BundleIds and Owner cannot be used together: filter with one of them."
            );
        ctx.Authorize("DescribeWorkspaceBundles", ctx.BundleArn("*"));

        // AMAZON's public bundles; with no Owner, the caller's own bundles (Cubicle has none to make yet).
        IEnumerable<BundleInfo> source =
            req.BundleIds is not null ? req.BundleIds.Distinct().Select(catalog.Find).OfType<BundleInfo>()
            : string.Equals(req.Owner, "AMAZON", StringComparison.Ordinal) ? catalog.Public
            : [];

        var hash = PageTokens.Hash(
            "DescribeWorkspaceBundles",
            ctx.AccountId,
            ctx.Region,
            req.Owner,
            req.BundleIds is null ? null : string.Join(",", req.BundleIds)
        );
        var skip = req.NextToken is null ? 0 : tokens.Read(req.NextToken, hash);
        var page = source.Skip((int)skip).Take(PageSize + 1).Select(b => ToApi(b, BundleCatalog.PublishedAt)).ToList();
        var next = tokens.Cut(page, PageSize, hash, _ => skip + PageSize);
        return Task.FromResult(new DescribeWorkspaceBundlesResult { Bundles = page, NextToken = next });
    }

    private static WorkspaceBundle ToApi(BundleInfo b, double created) =>
        new()
        {
            BundleId = b.BundleId,
            Name = b.Name,
            Owner = "AMAZON",
            Description = b.Description,
            ImageId = b.ImageId,
            RootStorage = new RootStorage { Capacity = b.RootGib.ToString() },
            UserStorage = new UserStorage { Capacity = b.UserGib.ToString() },
            ComputeType = new ComputeType { Name = b.ComputeTypeName },
            CreationTime = created,
            LastUpdatedTime = created,
            State = "AVAILABLE",
            BundleType = "REGULAR",
        };
}
