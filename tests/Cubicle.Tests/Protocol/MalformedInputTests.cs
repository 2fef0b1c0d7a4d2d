using System.Text;
using Cubicle.Desktops;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Tests;

/// <summary>What the fuzzers found, pinned: client text is bounded before it is copied, quoted or escaped.</summary>
public sealed class MalformedInputTests
{
    [SkippableFact]
    public void A_string_longer_than_any_member_takes_is_refused_naming_its_member()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"ResourceId\": \"{new string('a', AwsJson.MaxStringBytes + 1)}\"}}");
        var ex = Assert.Throws<ApiException>(() => AwsJson.Read(body, ApiJsonContext.Default.CreateTagsRequest));
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
        Assert.Contains("ResourceId", ex.Message);
        Assert.True(ex.Message.Length < 300, ex.Message);
    }

    [SkippableFact]
    public void Long_bodies_of_short_strings_still_read_and_malformed_ones_stay_serialization_errors()
    {
        var ids = string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"ws-{i:d8}\""));
        var request = AwsJson.Read(
            Encoding.UTF8.GetBytes($"{{\"WorkspaceIds\": [{ids}]}}"),
            ApiJsonContext.Default.DescribeWorkspacesRequest
        );
        Assert.Equal(2000, request.WorkspaceIds!.Count);
        var broken = Encoding.UTF8.GetBytes($"{{\"WorkspaceIds\": [{ids}");
        var ex = Assert.Throws<ApiException>(() =>
            AwsJson.Read(broken, ApiJsonContext.Default.DescribeWorkspacesRequest)
        );
        Assert.Equal(ErrorCodes.Serialization, ex.Code);
    }

    [SkippableFact]
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

    [SkippableFact]
    public void A_NUL_in_any_string_is_refused_naming_its_member_and_escaped_backslashes_are_not()
    {
        var body = Encoding.UTF8.GetBytes("""{"Workspaces": [{"UserName": "a\u0000--bind", "DirectoryId": "d-1"}]}""");
        var ex = Assert.Throws<ApiException>(() => AwsJson.Read(body, ApiJsonContext.Default.CreateWorkspacesRequest));
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
        Assert.Contains("UserName", ex.Message);
        // A backslash followed by "u0000" is text, not a NUL.
        var text = AwsJson.Read(
            Encoding.UTF8.GetBytes("""{"ResourceId": "x\\u0000"}"""),
            ApiJsonContext.Default.CreateTagsRequest
        );
        Assert.Equal("x\\u0000", text.ResourceId);
    }

    [SkippableFact]
    public void A_user_name_with_control_characters_is_refused()
    {
        var ex = Assert.Throws<ApiException>(() => Validate.UserName("alice\nbob", "UserName"));
        Assert.Contains("UserName", ex.Message);
        Validate.UserName("Zoë O'Brien", "UserName");
    }

    [SkippableFact]
    public void A_user_name_never_adds_arguments_to_the_sandbox()
    {
        string[] ArgumentsFor(string userName)
        {
            var folder = Directory.CreateTempSubdirectory("cubicle-sandbox-args-").FullName;
            try
            {
                SandboxCommand.WriteFiles(
                    folder,
                    new SandboxCommand.Session("ws-abcdefgh1", userName, null, "1280x800", 5000, 5000, "/home/user")
                );
                return File.ReadAllText(Path.Combine(folder, "sandbox.args")).Split('\0');
            }
            finally
            {
                Directory.Delete(folder, true);
            }
        }
        var plain = ArgumentsFor("alice");
        var hostile = ArgumentsFor("a\0--bind\0/\0/h\0--chmod\00777\0/h/etc");
        Assert.Equal(plain.Length, hostile.Length);
        Assert.DoesNotContain("--chmod", hostile);
        Assert.Matches("^[A-Za-z0-9._-]+$", hostile[Array.IndexOf(hostile, "USER") + 1]);
    }
}
