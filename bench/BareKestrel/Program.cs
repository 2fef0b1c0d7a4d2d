// The framework's limit on this machine: a bare ASP.NET Core app that answers POST / with the very
// bytes Cubicle returned for a DescribeWorkspaces page (read from the file named by --response).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
var app = builder.Build();
var body = await File.ReadAllBytesAsync(
    app.Configuration["response"] ?? throw new ArgumentException("--response FILE")
);
app.MapPost(
    "/",
    async (HttpContext http) =>
    {
        http.Response.ContentType = "application/x-amz-json-1.1";
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body);
    }
);
await app.RunAsync();
