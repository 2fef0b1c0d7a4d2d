using Cubicle.Audit;
using Cubicle.Protocol;
using Cubicle.Services.DirectoryServiceData;
using Cubicle.Storage;

namespace Cubicle.Services.CloudTrail;

/// <summary>
/// CloudTrail's LookupEvents over its own JSON protocol (target
/// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*, signing name cloudtrail): the caller's account
/// and region, newest first, one lookup attribute, a time range, pages of up to 50.
/// </summary>
public sealed class CloudTrailApi(IDatabase db, PageTokens tokens, AuditLog? audit = null)
{
    public const string TargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";
    private static readonly string[] Keys =
    [
        "EventId",
        "EventName",
        "ReadOnly",
        "Username",
        "ResourceType",
        "ResourceName",
        "EventSource",
        "AccessKeyId",
    ];

    public ServiceApi Api =>
        new(
            TargetPrefix,
            "cloudtrail",
            [
                Op.Read(
                    "LookupEvents",
                    CloudTrailJson.Default.LookupEventsRequest,
                    CloudTrailJson.Default.LookupEventsResponse,
                    LookupAsync
                ),
            ]
        );

    public async Task<LookupEventsResponse> LookupAsync(CallContext ctx, LookupEventsRequest req)
    {
        ValidateLookup(req);
        ctx.Authorize("LookupEvents", "*");
        if (req.EventCategory == "insight")
            return new LookupEventsResponse { Events = [] }; // Cubicle records no Insights events

        var attr = req.LookupAttributes?.FirstOrDefault();
        var limit = req.MaxResults ?? 50;
        var hash = PageTokens.Hash(
            "LookupEvents",
            ctx.AccountId,
            ctx.Region,
            attr?.AttributeKey,
            attr?.AttributeValue,
            req.StartTime?.ToString("R"),
            req.EndTime?.ToString("R")
        );
        long before = long.MaxValue;
        if (req.NextToken is not null)
        {
            try
            {
                before = tokens.Read(req.NextToken, hash);
            }
            catch (ApiException ex)
            {
                throw Invalid("InvalidNextTokenException", ex.Message);
            }
        }
        var query = new AuditQuery(
            ctx.AccountId,
            ctx.Region,
            attr?.AttributeKey,
            attr?.AttributeValue,
            req.StartTime is { } st ? (long)(st * 1000) : null,
            req.EndTime is { } et ? (long)Math.Ceiling(et * 1000) : null,
            before,
            limit + 1
        );
        // The events this node answered but has not yet indexed (its journal) are found too.
        if (audit is not null)
            await audit.IndexPendingAsync();
        var rows = await db.ReadAsync(u => u.Audit.LookupAsync(query));
        var next = tokens.Cut(rows, limit, hash, r => r.Seq);
        return new LookupEventsResponse { Events = rows.Select(ToEvent).ToList(), NextToken = next };
    }

    private static void ValidateLookup(LookupEventsRequest req)
    {
        if (req.LookupAttributes is { } attrs)
        {
            if (attrs.Count > 1)
                throw Invalid("InvalidLookupAttributesException", "LookupAttributes can contain only one item.");
            foreach (var a in attrs)
            {
                if (a is null || a.AttributeKey is null || Array.IndexOf(Keys, a.AttributeKey) < 0)
                    throw Invalid(
                        "InvalidLookupAttributesException",
                        $"LookupAttributes[0].AttributeKey must be one of {string.Join(", ", Keys)}."
                    );
                if (string.IsNullOrEmpty(a.AttributeValue) || a.AttributeValue.Length > 2000)
                    throw Invalid(
                        "InvalidLookupAttributesException",
                        "LookupAttributes[0].AttributeValue must be 1 to 2000 characters."
                    );
                if (a.AttributeKey == "ReadOnly" && a.AttributeValue is not ("true" or "false"))
                    throw Invalid(
                        "InvalidLookupAttributesException",
                        "LookupAttributes[0].AttributeValue for ReadOnly must be true or false."
                    );
            }
        }
        if (req.StartTime is { } s && req.EndTime is { } e && s > e)
            throw Invalid("InvalidTimeRangeException", "StartTime must not be after EndTime.");
        if (req.MaxResults is { } m && (m < 1 || m > 50))
            throw Invalid("InvalidMaxResultsException", "MaxResults must be between 1 and 50.");
        if (req.EventCategory is not null && req.EventCategory != "insight")
            throw Invalid("InvalidEventCategoryException", "EventCategory must be insight.");
    }

    private static TrailEvent ToEvent(AuditEventRecord r) =>
        new()
        {
            EventId = r.EventId,
            EventName = r.EventName,
            ReadOnly = r.ReadOnly ? "true" : "false",
            AccessKeyId = r.AccessKeyId,
            EventTime = Math.Floor(r.EventTime / 1000.0),
            EventSource = r.EventSource,
            Username = r.Username,
            Resources = r.Resources?.Split('\n').Select(ToResource).ToList() ?? [],
            CloudTrailEvent = r.Body,
        };

    /// <summary>A resource as the record keeps it: its type, a tab, its name.</summary>
    private static TrailResource ToResource(string line)
    {
        var tab = line.IndexOf('\t');
        return new TrailResource { ResourceType = line[..tab], ResourceName = line[(tab + 1)..] };
    }

    private static ApiException Invalid(string code, string message) => new(code, message);
}
