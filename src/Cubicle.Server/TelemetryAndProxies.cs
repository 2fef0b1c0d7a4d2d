using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cubicle.Accounts;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Observability;
using Cubicle.Protocol;
using Cubicle.Services;
using Cubicle.Services.Admin;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cubicle.Server;

/// <summary>What the host adds around the service: the trusted proxies' forwarded headers, and telemetry.</summary>
internal static class TelemetryAndProxies
{
    public static bool AddForwardedHeaders(WebApplicationBuilder builder, IConfiguration config, out string? error)
    {
        error = null;
        if (config["trusted-proxies"] is not { Length: > 0 } list)
            return true;
        var networks = new List<System.Net.IPNetwork>();
        foreach (var item in list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (System.Net.IPNetwork.TryParse(item, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(item, out var address))
                networks.Add(new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8));
            else
            {
                error = $"--trusted-proxies: {item} is neither an address nor a network (CIDR).";
                return false;
            }
        }
        builder.Services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders =
                Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var n in networks)
                o.KnownIPNetworks.Add(n);
        });
        return true;
    }

    /// <summary>
    /// Metrics for /metrics (the "Cubicle" meter through OpenTelemetry's Prometheus exporter); traces over OTLP when
    /// --otlp-endpoint (or the standard OTEL_EXPORTER_OTLP_ENDPOINT) is set: the host's span of each request, named
    /// after the API call, and a span per lifecycle job.
    /// </summary>
    public static bool AddTelemetry(
        WebApplicationBuilder builder,
        IConfiguration config,
        NodeIdentity node,
        out string? error
    )
    {
        error = null;
        var telemetry = builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("cubicle", serviceInstanceId: node.Name))
            .WithMetrics(m =>
                m.AddMeter(CubicleMetrics.MeterName)
                    // A scrape sees every request answered before it (no cached page).
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            );
        var endpoint = config["otlp-endpoint"];
        if (string.IsNullOrEmpty(endpoint) && string.IsNullOrEmpty(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return true;
        var protocol = config["otlp-protocol"] ?? config["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc";
        if (protocol is not ("grpc" or "http/protobuf"))
        {
            error = $"--otlp-protocol is grpc or http/protobuf, not {protocol}.";
            return false;
        }
        Uri? uri = null;
        if (!string.IsNullOrEmpty(endpoint) && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
        {
            error = $"--otlp-endpoint is not a URL: {endpoint}";
            return false;
        }
        telemetry.WithTracing(t =>
            t.AddSource(CubicleTracing.SourceName)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = http => http.Request.Path != "/metrics";
                    // The instrumentation names the span after the route ("POST /") when the request ends: name it
                    // after the API call instead.
                    o.EnrichWithHttpResponse = (span, _) =>
                    {
                        if (span.GetTagItem("rpc.method") is string action)
                            span.DisplayName = $"{span.GetTagItem("rpc.service")}.{action}";
                    };
                })
                .AddOtlpExporter(o =>
                {
                    o.Protocol = protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    // Over HTTP an endpoint set here is the full URL of the traces resource.
                    if (uri is not null)
                        o.Endpoint = protocol == "grpc" || uri.AbsolutePath != "/" ? uri : new Uri(uri, "v1/traces");
                })
        );
        return true;
    }
}
