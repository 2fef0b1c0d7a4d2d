using Cubicle.Accounts;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Tests;

/// <summary>
/// An access key's identity policy: what IsAllowed decides for a call (any listed action or resource matches, actions
/// case-insensitively and resources case-sensitively, NotAction and NotResource as complements, an explicit Deny
/// wins), what MayAllow tells the console, and the message a bad policy is refused with (the keys command prints it).
/// </summary>
public sealed class IamPolicyTests
{
    private const string Ws = "arn:aws:workspaces:us-east-1:000000000000:workspace/";

    private static IamPolicy Policy(params string[] statements) =>
        IamPolicy.Parse($$"""{"Version":"2012-10-17","Statement":[{{string.Join(',', statements)}}]}""");

    private static string Refusal(string json) => Assert.Throws<FormatException>(() => IamPolicy.Parse(json)).Message;

    [SkippableFact]
    public void A_statement_applies_when_any_of_its_actions_or_resources_matches()
    {
        var p = Policy(
            """
            {"Effect":"Allow","Action":["workspaces:RebootWorkspaces","workspaces:StartWorkspaces"],
             "Resource":["arn:aws:workspaces:*:*:workspace/ws-a*","arn:aws:workspaces:*:*:workspace/ws-b*"]}
            """
        );
        Assert.True(p.IsAllowed("workspaces:StartWorkspaces", Ws + "ws-b1234567"));
        Assert.True(p.IsAllowed("workspaces:RebootWorkspaces", Ws + "ws-a1234567"));
        Assert.False(p.IsAllowed("workspaces:StopWorkspaces", Ws + "ws-a1234567"));
        Assert.False(p.IsAllowed("workspaces:StartWorkspaces", Ws + "ws-c1234567"));
    }

    [SkippableFact]
    public void Actions_match_whatever_their_case_resources_only_in_theirs()
    {
        var p = Policy("""{"Effect":"Allow","Action":"WorkSpaces:describe*","Resource":"*:workspace/ws-abc*"}""");
        Assert.True(p.IsAllowed("workspaces:DescribeWorkspaces", "arn:x:workspace/ws-abcdefgh1"));
        Assert.False(p.IsAllowed("workspaces:DescribeWorkspaces", "arn:x:workspace/WS-ABCDEFGH1"));
        Assert.False(p.IsAllowed("workspaces:DescribeWorkspaces", "arn:x:Workspace/ws-abcdefgh1"));
    }

    [SkippableFact]
    public void NotAction_allows_every_action_but_those_it_names_in_any_case()
    {
        var p = Policy(
            """{"Effect":"Allow","NotAction":["WORKSPACES:terminate*","workspaces:Delete*"],"Resource":"*"}"""
        );
        Assert.True(p.IsAllowed("workspaces:RebootWorkspaces", Ws + "ws-a1234567"));
        Assert.False(p.IsAllowed("workspaces:TerminateWorkspaces", Ws + "ws-a1234567"));
        Assert.False(p.IsAllowed("workspaces:DeleteTags", Ws + "ws-a1234567"));
    }

    [SkippableFact]
    public void NotResource_allows_every_resource_but_those_it_names_in_their_case()
    {
        var p = Policy("""{"Effect":"Allow","Action":"*","NotResource":["*/ws-secret*","*:directory/d-secret*"]}""");
        Assert.True(p.IsAllowed("workspaces:RebootWorkspaces", Ws + "ws-public12"));
        Assert.False(p.IsAllowed("workspaces:RebootWorkspaces", Ws + "ws-secret12"));
        Assert.False(p.IsAllowed("workspaces:RebootWorkspaces", "arn:x:directory/d-secret12"));
        Assert.True(p.IsAllowed("workspaces:RebootWorkspaces", Ws + "WS-SECRET12"));
    }

    [SkippableFact]
    public void A_deny_wins_wherever_it_stands_and_nothing_is_allowed_unnamed()
    {
        var allow = """{"Effect":"Allow","Action":"workspaces:*","Resource":"*"}""";
        var deny = """{"Effect":"Deny","Action":"workspaces:StopWorkspaces","Resource":"*/ws-keep*"}""";
        foreach (var p in new[] { Policy(allow, deny), Policy(deny, allow) })
        {
            Assert.False(p.IsAllowed("workspaces:StopWorkspaces", Ws + "ws-keep1234"));
            Assert.True(p.IsAllowed("workspaces:StopWorkspaces", Ws + "ws-free1234"));
            Assert.True(p.IsAllowed("workspaces:StartWorkspaces", Ws + "ws-keep1234"));
            Assert.False(p.IsAllowed("cloudtrail:LookupEvents", "*"));
        }
        Assert.False(Policy(deny).IsAllowed("workspaces:StopWorkspaces", Ws + "ws-free1234"));
    }

    [SkippableFact]
    public void MayAllow_needs_an_allow_naming_the_action()
    {
        var p = Policy(
            """{"Effect":"Allow","Action":["workspaces:Describe*","workspaces:RebootWorkspaces"],"Resource":"*"}""",
            """{"Effect":"Allow","Action":"workspaces:StopWorkspaces","Resource":"*/ws-only1234"}"""
        );
        Assert.True(p.MayAllow("workspaces:DescribeWorkspaces"));
        Assert.True(p.MayAllow("WORKSPACES:describeworkspaces"));
        Assert.True(p.MayAllow("workspaces:RebootWorkspaces"));
        Assert.True(p.MayAllow("workspaces:StopWorkspaces"));
        Assert.False(p.MayAllow("workspaces:TerminateWorkspaces"));
    }

    [SkippableFact]
    public void MayAllow_is_refused_only_by_a_deny_of_every_resource()
    {
        var allow = """{"Effect":"Allow","Action":"workspaces:*","Resource":"*"}""";
        var everywhere = """{"Effect":"Deny","Action":"workspaces:Terminate*","Resource":["*/ws-a*","*"]}""";
        var somewhere = """{"Effect":"Deny","Action":"workspaces:Reboot*","Resource":"*/ws-keep*"}""";
        var allBut = """{"Effect":"Deny","Action":"workspaces:Stop*","NotResource":"*/ws-free*"}""";
        foreach (var p in new[] { Policy(allow, everywhere, somewhere, allBut), Policy(everywhere, allBut, allow) })
        {
            Assert.False(p.MayAllow("workspaces:TerminateWorkspaces"));
            Assert.True(p.MayAllow("workspaces:StopWorkspaces"));
            Assert.True(p.MayAllow("workspaces:DescribeWorkspaces"));
        }
        Assert.True(Policy(allow, somewhere).MayAllow("workspaces:RebootWorkspaces"));
        Assert.False(Policy(somewhere, allBut).MayAllow("workspaces:RebootWorkspaces"));
        Assert.False(Policy(somewhere, allBut).MayAllow("workspaces:StopWorkspaces"));
    }

    [SkippableFact]
    public void MayAllow_reads_NotAction_as_every_action_but_those_named()
    {
        var p = Policy(
            """{"Effect":"Allow","NotAction":["WORKSPACES:terminate*","workspaces:Delete*"],"Resource":"*"}""",
            """{"Effect":"Deny","NotAction":"workspaces:*","Resource":"*"}"""
        );
        Assert.True(p.MayAllow("workspaces:RebootWorkspaces"));
        Assert.False(p.MayAllow("workspaces:TerminateWorkspaces"));
        Assert.False(p.MayAllow("workspaces:DeleteTags"));
        Assert.False(p.MayAllow("cloudtrail:LookupEvents"));
    }

    [SkippableFact]
    public void A_policy_keeps_the_document_it_was_parsed_from()
    {
        const string json = """{"Statement":{"Effect":"Allow","Action":"workspaces:Describe*","Resource":"*"}}""";
        Assert.Equal(json, IamPolicy.Parse(json).Json);
    }

    [SkippableFact]
    public void Malformed_json_is_refused_with_the_parser_s_reason() =>
        Assert.StartsWith("The policy is not valid JSON: ", Refusal("""{"Statement":"""));

    [SkippableTheory]
    [InlineData("[]", "The policy must be an object with a \"Statement\".")]
    [InlineData("""{"Version":"2012-10-17"}""", "The policy must be an object with a \"Statement\".")]
    [InlineData("""{"Statement":[]}""", "The policy has no statements.")]
    [InlineData("""{"Statement":["Allow"]}""", "Statement[0] must be an object.")]
    public void A_policy_without_statements_is_refused(string json, string message) =>
        Assert.Equal(message, Refusal(json));

    [SkippableTheory]
    [InlineData("\"Condition\":{\"Bool\":{}},", "Statement[1]: Condition is not supported.")]
    [InlineData("\"Principal\":\"*\",", "Statement[1]: an identity policy has no Principal.")]
    [InlineData("\"NotPrincipal\":{\"AWS\":\"x\"},", "Statement[1]: an identity policy has no Principal.")]
    [InlineData("\"Action\":\"b\",", "Statement[1] needs exactly one of Action and NotAction.")]
    [InlineData("\"NotResource\":\"b\",", "Statement[1] needs exactly one of Resource and NotResource.")]
    public void A_statement_with_what_an_identity_policy_cannot_hold_is_refused_by_its_index(
        string extra,
        string message
    ) =>
        Assert.Equal(
            message,
            Refusal(
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a\",\"Resource\":\"*\"},"
                    + $"{{{extra}\"Effect\":\"Deny\",\"NotAction\":\"a\",\"Resource\":\"*\"}}]}}"
            )
        );

    [SkippableTheory]
    [InlineData("""{"Effect":"allow","Action":"a","Resource":"*"}""", "Statement[0].Effect must be Allow or Deny.")]
    [InlineData("""{"Action":"a","Resource":"*"}""", "Statement[0].Effect must be Allow or Deny.")]
    [InlineData("""{"Effect":"Deny","Resource":"*"}""", "Statement[0] needs exactly one of Action and NotAction.")]
    [InlineData("""{"Effect":"Deny","Action":"a"}""", "Statement[0] needs exactly one of Resource and NotResource.")]
    [InlineData(
        """{"Effect":"Deny","Action":["a",1],"Resource":"*"}""",
        "Statement[0].Action must be a string or a list of strings."
    )]
    [InlineData(
        """{"Effect":"Deny","Action":"a","NotResource":{"r":"*"}}""",
        "Statement[0].NotResource must be a string or a list of strings."
    )]
    public void A_statement_missing_or_mistyping_a_member_is_refused_by_name(string statement, string message) =>
        Assert.Equal(message, Refusal($$"""{"Statement":{{statement}}}"""));

    [SkippableFact]
    public void Explicit_deny_wins_and_nothing_is_allowed_by_default()
    {
        var p = IamPolicy.Parse(
            """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"workspaces:*","Resource":"*"},
              {"Effect":"Deny","Action":"workspaces:Terminate*",
               "Resource":"arn:aws:workspaces:*:*:workspace/ws-keep*"}]}
            """
        );
        Assert.True(
            p.IsAllowed("workspaces:TerminateWorkspaces", "arn:aws:workspaces:us-east-1:1:workspace/ws-other1234")
        );
        Assert.False(
            p.IsAllowed("workspaces:TerminateWorkspaces", "arn:aws:workspaces:us-east-1:1:workspace/ws-keep12345")
        );
        Assert.False(p.IsAllowed("cloudtrail:LookupEvents", "*"));
        var ro = IamPolicy.Parse(
            """{"Statement":{"Effect":"Allow","Action":["workspaces:describe*"],"Resource":"*"}}"""
        );
        Assert.True(ro.IsAllowed("workspaces:DescribeWorkspaces", "x"));
        Assert.False(ro.IsAllowed("workspaces:CreateTags", "x"));
        var notAction = IamPolicy.Parse(
            """{"Statement":{"Effect":"Allow","NotAction":"workspaces:Terminate*","NotResource":"arn:secret"}}"""
        );
        Assert.True(notAction.IsAllowed("workspaces:RebootWorkspaces", "arn:x"));
        Assert.False(notAction.IsAllowed("workspaces:TerminateWorkspaces", "arn:x"));
        Assert.False(notAction.IsAllowed("workspaces:RebootWorkspaces", "arn:secret"));
    }

    [SkippableTheory]
    [InlineData("{")]
    [InlineData("""{"Statement":[]}""")]
    [InlineData("""{"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}""")]
    public void Bad_policies_are_refused(string json) => Assert.Throws<FormatException>(() => IamPolicy.Parse(json));

    [SkippableTheory]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "abbc", false)]
    [InlineData("*", "", true)]
    [InlineData("ab", "abc", false)]
    public void Glob(string pattern, string text, bool expected) =>
        Assert.Equal(expected, IamPolicy.Glob(pattern, text, false));
}
