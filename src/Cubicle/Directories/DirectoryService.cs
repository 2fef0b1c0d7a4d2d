using System.Text.Json;
using Cubicle.Api;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Directories;

public sealed class DirectoryService(IDatabase db, PageTokens tokens)
{
    private const int PageSize = 25;

    public async Task<DescribeWorkspaceDirectoriesResult> DescribeAsync(CallContext ctx, DescribeWorkspaceDirectoriesRequest req)
    {
        Validate.Count(req.DirectoryIds, 1, 25, "DirectoryIds");
        Validate.Each(req.DirectoryIds, Validate.DirectoryIdPattern(), "DirectoryIds");
        Validate.Count(req.WorkspaceDirectoryNames, 1, 25, "WorkspaceDirectoryNames");
        Validate.Each(req.WorkspaceDirectoryNames, Validate.WorkspaceDirectoryNamePattern(), "WorkspaceDirectoryNames");
        Validate.Range(req.Limit, 1, 25, "Limit");
        Validate.PageToken(req.NextToken);
        Validate.Count(req.Filters, 1, 25, "Filters");
        for (var i = 0; i < (req.Filters?.Count ?? 0); i++)
        {
            var f = req.Filters![i];
            Validate.Required(f.Name, $"Filters[{i}].Name");
            Validate.OneOf(f.Name, Validate.DirectoryFilterNames, $"Filters[{i}].Name");
            Validate.Required(f.Values, $"Filters[{i}].Values");
            Validate.Count(f.Values, 1, 25, $"Filters[{i}].Values");
            Validate.Each(f.Values, Validate.DirectoryFilterValuePattern(), $"Filters[{i}].Values");
        }
        ctx.Authorize("DescribeWorkspaceDirectories", ctx.DirectoryArn("*"));

        var limit = req.Limit ?? PageSize;
        var hash = PageTokens.Hash("DescribeWorkspaceDirectories", ctx.AccountId, ctx.Region,
            Join(req.DirectoryIds), Join(req.WorkspaceDirectoryNames),
            req.Filters is null ? null : string.Join(";", req.Filters.Select(f => f.Name + "=" + Join(f.Values))));
        var after = req.NextToken is null ? 0 : tokens.Read(req.NextToken, hash);

        var result = new List<WorkspaceDirectory>(limit);
        string? next = null;
        var lastTaken = after;
        // Filters are matched on the stored document, so read on until the page is full or the table ends.
        while (next is null)
        {
            var from = after;
            var rows = await db.ReadAsync(u => u.Directories.ListAsync(ctx.AccountId, ctx.Region, req.DirectoryIds,
                req.WorkspaceDirectoryNames, from, limit + 1));
            foreach (var row in rows)
            {
                after = row.Seq;
                var d = JsonSerializer.Deserialize(row.Body, ApiJsonContext.Default.WorkspaceDirectory)!;
                if (!Matches(d, req.Filters)) continue;
                if (result.Count == limit)
                {
                    next = tokens.Issue(hash, lastTaken);
                    break;
                }
                result.Add(d);
                lastTaken = row.Seq;
            }
            if (rows.Count <= limit) break;
        }
        return new DescribeWorkspaceDirectoriesResult { Directories = result, NextToken = next };
    }

    private static bool Matches(WorkspaceDirectory d, List<DescribeWorkspaceDirectoriesFilter>? filters)
    {
        if (filters is null) return true;
        foreach (var f in filters)
        {
            var value = f.Name == "USER_IDENTITY_TYPE" ? d.UserIdentityType : d.WorkspaceType;
            if (!f.Values!.Contains(value ?? "")) return false;
        }
        return true;
    }

    private static string? Join(List<string>? values) => values is null ? null : string.Join(",", values);
}
