using Cubicle.Protocol;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// The directory actions under an IAM policy: each is judged as its own action on the directory's ARN (the listing
/// on every directory's, directory/*), and a refusal says who may not do what on which resource.
/// </summary>
public sealed class DirectoryPolicyTests
{
    private const string Mine = "d-1000000001";
    private const string Other = "d-2000000002";
    private const string Arn = $"arn:aws:workspaces:us-east-1:{Account}:directory/";

    private static readonly string[] Actions =
    [
        "RegisterWorkspaceDirectory",
        "DeregisterWorkspaceDirectory",
        "ModifyWorkspaceCreationProperties",
        "ModifySelfservicePermissions",
        "ModifyWorkspaceAccessProperties",
    ];

    private static string Allow(string resource, params string[] actions) =>
        $$"""{"Effect":"Allow","Action":[{{string.Join(",", actions.Select(a => $"\"workspaces:{a}\""))}}],"""
        + $"\"Resource\":\"{resource}\"}}";

    /// <summary>Each directory action, on the directory given.</summary>
    private static Func<Task>[] Calls(DirectoryWorld w, CallContext ctx, string id) =>
        [() => w.RegisterAsync(id, ctx: ctx), .. w.SettingsCalls(ctx, id), () => w.DeregisterAsync(id, ctx)];

    private static readonly string[] Order =
    [
        "RegisterWorkspaceDirectory",
        "ModifyWorkspaceCreationProperties",
        "ModifySelfservicePermissions",
        "ModifyWorkspaceAccessProperties",
        "DeregisterWorkspaceDirectory",
    ];

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Each_action_is_allowed_on_the_directories_the_policy_names(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Mine);
        var ctx = WithPolicy(Allow(Arn + Mine, Actions), Allow(Arn + "*", "DescribeWorkspaceDirectories"));
        var calls = Calls(w, ctx, Mine);
        for (var i = 0; i < calls.Length - 1; i++)
            await calls[i]();
        var d = (await w.DescribeAsync(Mine, ctx))!;
        Assert.True(d.WorkspaceCreationProperties!.EnableWorkDocs);
        Assert.Equal("ENABLED", d.SelfservicePermissions!.RebuildWorkspace);
        Assert.Equal("DENY", d.WorkspaceAccessProperties!.DeviceTypeWeb);
        await calls[^1]();
        Assert.Equal("DEREGISTERING", await w.StateAsync(Mine));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task An_action_on_another_directory_is_denied_and_changes_nothing(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Other);
        // Each action allowed on the other directory but for the one tried; the listing on one directory only.
        for (var i = 0; i < Order.Length; i++)
        {
            var ctx = WithPolicy(
                Allow(Arn + Mine, Actions),
                Allow(Arn + Other, [.. Actions.Where(a => a != Order[i])]),
                Allow(Arn + Other, "DescribeWorkspaceDirectories")
            );
            if (i == 1)
                await w.RegisterAsync(Other);
            var before = await w.DescribeAsync(Other) is null ? null : await w.JsonAsync(Other);
            var ex = await Assert.ThrowsAsync<ApiException>(Calls(w, ctx, Other)[i]);
            Assert.Equal(ErrorCodes.AccessDenied, ex.Code);
            Assert.Equal(
                $"User: arn:aws:iam::{Account}:user/admin is not authorized to perform: workspaces:{Order[i]} "
                    + $"on resource: {Arn}{Other}",
                ex.Message
            );
            Assert.Equal(before, await w.DescribeAsync(Other) is null ? null : await w.JsonAsync(Other));

            // The listing is judged on every directory's ARN, which a policy on one does not cover.
            ex = await Assert.ThrowsAsync<ApiException>(() => w.DescribeAsync(Other, ctx));
            Assert.Equal(
                $"User: arn:aws:iam::{Account}:user/admin is not authorized to perform: "
                    + $"workspaces:DescribeWorkspaceDirectories on resource: {Arn}*",
                ex.Message
            );
        }
        Assert.Equal("REGISTERING", await w.StateAsync(Other));
    }
}
