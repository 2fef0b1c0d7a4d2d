using System.Text;
using Cubicle.Api;
using Cubicle.Protocol;

namespace Cubicle.Tests;

/// <summary>What the fuzzers found, pinned: client text is bounded before it is copied, quoted or escaped.</summary>
public sealed class MalformedInputTests
{
    [Fact]
    public void A_string_longer_than_any_member_takes_is_refused_naming_its_member()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"ResourceId\": \"{new string('a', AwsJson.MaxStringBytes + 1)}\"}}");
        var ex = Assert.Throws<ApiException>(() => AwsJson.Read(body, ApiJsonContext.Default.CreateTagsRequest));
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
        Assert.Contains("ResourceId", ex.Message);
        Assert.True(ex.Message.Length < 300, ex.Message);
    }

    [Fact]
    public void Long_bodies_of_short_strings_still_read_and_malformed_ones_stay_serialization_errors()
    {
        var ids = string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"ws-{i:d8}\""));
        var request = AwsJson.Read(Encoding.UTF8.GetBytes($"{{\"WorkspaceIds\": [{ids}]}}"),
            ApiJsonContext.Default.DescribeWorkspacesRequest);
        Assert.Equal(2000, request.WorkspaceIds!.Count);
        var broken = Encoding.UTF8.GetBytes($"{{\"WorkspaceIds\": [{ids}");
        var ex = Assert.Throws<ApiException>(
            () => AwsJson.Read(broken, ApiJsonContext.Default.DescribeWorkspacesRequest));
        Assert.Equal(ErrorCodes.Serialization, ex.Code);
    }

    [Fact]
    public void Messages_and_members_quote_a_bounded_text_of_whole_characters()
    {
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 2000));
        var ex = new ApiException(ErrorCodes.ResourceNotFound, "The resource x" + emoji) { ResourceId = "x" + emoji };
        Assert.InRange(ex.Message.Length, ApiException.MaxTextLength - 1, ApiException.MaxTextLength);
        Assert.True(ex.ResourceId!.Length <= ApiException.MaxTextLength);
        Assert.False(char.IsHighSurrogate(ex.Message[^4]), "a surrogate pair was cut");
        Assert.False(char.IsHighSurrogate(ex.ResourceId[^4]), "a surrogate pair was cut");
        for (var max = 10; max < 20; max++)
        {
            var clipped = ApiException.Clip("x" + emoji, max)!;
            Assert.True(clipped.Length <= max);
            Assert.True(clipped.EndsWith("...", StringComparison.Ordinal) && !char.IsHighSurrogate(clipped[^4]));
        }
    }
}
