using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// What RegisterWorkspaceDirectory refuses, and how: members at fault named, directories Directory Service does not
/// have (or has not made Active) and those already registered, the configurations Cubicle does not offer. A refused
/// registration leaves nothing behind.
/// </summary>
public sealed class RegistrationRefusalTests
{
    private const string Id = "d-1000000001";
    private const string Missing = "The parameter {0} is required but was not provided.";

    public static TheoryData<string, string, string> Invalid() =>
        new()
        {
            { "DirectoryId", "", "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 0." },
            {
                "DirectoryId",
                "d-12345",
                "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 7."
            },
            {
                "DirectoryId",
                "wsd-" + new string('a', 62),
                "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 66."
            },
            { "DirectoryId", "d-ABCDEF0123", "Invalid value for DirectoryId: 'd-ABCDEF0123' does not match" },
            {
                "SubnetIds",
                "subnet-1a2b3c4d subnet-5e6f7a8b subnet-0f0e0d0c",
                "Invalid value for SubnetIds: it must hold between 0 and 2 items, but holds 3."
            },
            {
                "SubnetIds",
                "subnet-1a2b3c4d subnet-xyz",
                "Invalid value for SubnetIds[1]: 'subnet-xyz' does not match"
            },
            { "Tenancy", "PRIVATE", "Invalid value for Tenancy: 'PRIVATE' is not one of DEDICATED, SHARED." },
            {
                "Tags",
                "aws:owner",
                "Invalid value for Tags[0].Key: keys beginning with 'aws:' are reserved for AWS use."
            },
            { "Tags", "51", "Invalid value for Tags: it must hold between 0 and 50 items, but holds 51." },
            {
                "WorkspaceDirectoryName",
                "-branch",
                "Invalid value for WorkspaceDirectoryName: '-branch' does not match"
            },
            {
                "WorkspaceDirectoryDescription",
                "",
                "Invalid value for WorkspaceDirectoryDescription: its length must be between 1 and 256, but it is 0."
            },
            {
                "WorkspaceDirectoryDescription",
                new string('x', 257),
                "Invalid value for WorkspaceDirectoryDescription: its length must be between 1 and 256, but it is 257."
            },
            {
                "UserIdentityType",
                "LDAP",
                "Invalid value for UserIdentityType: 'LDAP' is not one of CUSTOMER_MANAGED, AWS_DIRECTORY_SERVICE, "
                    + "AWS_IAM_IDENTITY_CENTER."
            },
            { "WorkspaceType", "SHARED", "Invalid value for WorkspaceType: 'SHARED' is not one of PERSONAL, POOLS." },
            { "IdcInstanceArn", "arn:idc", "Invalid value for IdcInstanceArn: 'arn:idc' does not match" },
        };

    [SkippableTheory]
    [MemberData(nameof(Invalid))]
    public async Task A_refusal_names_the_member_at_fault_and_registers_nothing(
        string member,
        string value,
        string message
    )
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id);
        var req = new RegisterWorkspaceDirectoryRequest { DirectoryId = Id };
        switch (member)
        {
            case "DirectoryId":
                req.DirectoryId = value;
                break;
            case "SubnetIds":
                req.SubnetIds = [.. value.Split(' ')];
                break;
            case "Tenancy":
                req.Tenancy = value;
                break;
            case "Tags" when value == "51":
                req.Tags = [.. Enumerable.Range(0, 51).Select(i => new Tag { Key = $"k{i}", Value = "v" })];
                break;
            case "Tags":
                req.Tags = [new() { Key = value, Value = "v" }];
                break;
            case "WorkspaceDirectoryName":
                req.WorkspaceDirectoryName = value;
                break;
            case "WorkspaceDirectoryDescription":
                req.WorkspaceDirectoryDescription = value;
                break;
            case "UserIdentityType":
                req.UserIdentityType = value;
                break;
            case "WorkspaceType":
                req.WorkspaceType = value;
                break;
            case "IdcInstanceArn":
                req.IdcInstanceArn = value;
                break;
        }
        var ex = await Refused(ErrorCodes.InvalidParameterValues, () => w.Service.RegisterAsync(w.Caller(), req));
        Assert.StartsWith(message, ex.Message);
        Assert.Null(await w.DescribeAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableFact]
    public async Task A_request_without_a_DirectoryId_is_refused()
    {
        using var w = new DirectoryWorld();
        var ex = await Refused(
            ErrorCodes.InvalidParameterValues,
            () => w.Service.RegisterAsync(w.Caller(), new RegisterWorkspaceDirectoryRequest())
        );
        Assert.Equal(string.Format(Missing, "DirectoryId"), ex.Message);
    }

    public static TheoryData<string?, string?> Unsupported() =>
        new()
        {
            { "CUSTOMER_MANAGED", null },
            { "AWS_IAM_IDENTITY_CENTER", "PERSONAL" },
            { null, "POOLS" },
            { "AWS_DIRECTORY_SERVICE", "POOLS" },
        };

    [SkippableTheory]
    [MemberData(nameof(Unsupported))]
    public async Task Only_Directory_Service_directories_for_personal_WorkSpaces_are_registered(
        string? identity,
        string? type
    )
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id);
        var ex = await Refused(
            ErrorCodes.OperationNotSupported,
            () =>
                w.RegisterAsync(
                    Id,
                    r =>
                    {
                        r.UserIdentityType = identity;
                        r.WorkspaceType = type;
                    }
                )
        );
        Assert.Equal(
            "Cubicle registers Directory Service directories for personal WorkSpaces (UserIdentityType "
                + "AWS_DIRECTORY_SERVICE, WorkspaceType PERSONAL).",
            ex.Message
        );
        Assert.Equal("UNSUPPORTED_CONFIGURATION", ex.Reason);
        Assert.Null(await w.DescribeAsync(Id));
    }

    [SkippableFact]
    public async Task Dedicated_tenancy_is_refused()
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id);
        var ex = await Refused(
            ErrorCodes.InvalidParameterValues,
            () => w.RegisterAsync(Id, r => r.Tenancy = "DEDICATED")
        );
        Assert.Equal("Dedicated tenancy is not enabled for this account (see DescribeAccount).", ex.Message);
        Assert.Null(await w.DescribeAsync(Id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_directory_Directory_Service_does_not_have_is_not_found(string engine)
    {
        using var w = new DirectoryWorld(engine);
        // Directory Service has it in another region only.
        await w.DsDirectoryAsync(Id, region: "eu-west-1");
        var ex = await Refused(ErrorCodes.ResourceNotFound, () => w.RegisterAsync(Id));
        Assert.Equal($"The directory {Id} could not be found in Directory Service.", ex.Message);
        Assert.Equal(Id, ex.ResourceId);
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_directory_is_registered_once(string engine)
    {
        using var w = new DirectoryWorld(engine);
        var ex = await Refused(ErrorCodes.ResourceAlreadyExists, () => w.RegisterAsync(Demo));
        Assert.Equal($"The directory {Demo} is already registered with WorkSpaces.", ex.Message);

        await w.DsDirectoryAsync(Id);
        await w.RegisterAsync(Id, r => r.WorkspaceDirectoryName = "first");
        var code = (await w.DescribeAsync(Id))!.RegistrationCode;
        ex = await Refused(
            ErrorCodes.ResourceAlreadyExists,
            () => w.RegisterAsync(Id, r => r.WorkspaceDirectoryName = "second")
        );
        Assert.Equal($"The directory {Id} is already registered with WorkSpaces.", ex.Message);
        var d = (await w.DescribeAsync(Id))!;
        Assert.Equal(("first", code, "REGISTERING"), (d.WorkspaceDirectoryName, d.RegistrationCode, d.State));
        Assert.Equal(1, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [InlineData("Requested")]
    [InlineData("Creating")]
    [InlineData("Impaired")]
    [InlineData("Deleting")]
    public async Task Only_an_Active_directory_is_registered(string stage)
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id, stage: stage);
        var ex = await Refused(ErrorCodes.InvalidResourceState, () => w.RegisterAsync(Id));
        Assert.Equal($"The directory {Id} is {stage}; only an Active directory can be registered.", ex.Message);
        Assert.Null(await w.DescribeAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }
}
