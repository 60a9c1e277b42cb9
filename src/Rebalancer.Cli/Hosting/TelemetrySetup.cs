using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Hosting;

/// <summary>
/// OpenTelemetry for every command: traces from <see cref="RebalancerTelemetry.Source"/> and metrics from the meter of the
/// same name. Export is configured only by the standard <c>OTEL_*</c> variables (read from the host's configuration,
/// which holds the environment): OTLP when an endpoint is set, nothing otherwise; <c>--trace-console</c> prints spans
/// on standard error. See docs/telemetry.md.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>The variables whose presence turns OTLP export on.</summary>
    public static readonly string[] EndpointVariables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    public static void AddRebalancerTelemetry(this HostApplicationBuilder builder, bool traceConsole, TextWriter error)
    {
        ConfigurationManager configuration = builder.Configuration;
        string serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "rebalancer";
        IOpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: CliApp.Version))
            .WithTracing(tracing =>
            {
                tracing.AddSource(RebalancerTelemetry.Name);
                if (traceConsole)
                {
                    tracing.AddProcessor(new SimpleActivityExportProcessor(new ConsoleSpanExporter(error)));
                }
            })
            .WithMetrics(metrics => metrics.AddMeter(RebalancerTelemetry.Name));

        // The SDK would otherwise export to localhost:4317 and log failures nobody reads: no endpoint, no export.
        if (EndpointVariables.Any(variable => !string.IsNullOrEmpty(configuration[variable])))
        {
            telemetry.UseOtlpExporter();
        }

        builder.Services.AddSingleton<TelemetryFlush>();
    }

    /// <summary>Prints each finished span on one line, indented by depth (children end, and print, before their parent).</summary>
    private sealed class ConsoleSpanExporter(TextWriter writer) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (Activity span in batch)
            {
                int depth = 0;
                for (Activity? parent = span.Parent; parent is not null; parent = parent.Parent)
                {
                    depth++;
                }

                var line = new StringBuilder();
                line.Append(' ', depth * 2).Append("span ").Append(span.DisplayName)
                    .Append(CultureInfo.InvariantCulture, $" {span.Duration.TotalMilliseconds:0.0} ms");
                if (span.Status == ActivityStatusCode.Error)
                {
                    line.Append(" ERROR ").Append(span.StatusDescription);
                }

                foreach (KeyValuePair<string, object?> tag in span.TagObjects)
                {
                    string value = tag.Value is string[] items ? string.Join(',', items) : Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                    line.Append(' ').Append(tag.Key).Append('=').Append(value);
                }

                lock (writer)
                {
                    writer.WriteLine(line.ToString());
                }
            }

            return ExportResult.Success;
        }
    }
}

/// <summary>
/// Exports what is buffered before the process exits, within <see cref="Budget"/> in all (an unreachable collector must
/// not hold a CronJob past its deadline), then shuts the providers down so disposing them waits no further.
/// </summary>
internal sealed class TelemetryFlush(IServiceProvider services, TimeProvider time, ILogger<TelemetryFlush> logger)
{
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public void Flush()
    {
        long started = time.GetTimestamp();
        int Remaining() => (int)Math.Max(0, (Budget - time.GetElapsedTime(started)).TotalMilliseconds);

        TracerProvider? tracer = services.GetService<TracerProvider>();
        MeterProvider? meter = services.GetService<MeterProvider>();
        LoggerProvider? logs = services.GetService<LoggerProvider>();
        bool flushed = (tracer?.ForceFlush(Remaining()) ?? true) & (meter?.ForceFlush(Remaining()) ?? true) & (logs?.ForceFlush(Remaining()) ?? true);
        if (!flushed)
        {
            Log.TelemetryNotFlushed(logger, (long)Budget.TotalMilliseconds);
        }

        tracer?.Shutdown(Remaining());
        meter?.Shutdown(Remaining());
        logs?.Shutdown(Remaining());
    }
}
