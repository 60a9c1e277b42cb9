using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
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
/// not hold a CronJob past its deadline), then shuts the providers down so disposing them waits no further. When the
/// export fails it says how: the budget ran out, or the exporter gave up early (connection refused, an HTTP error), with
/// the exporter's own reason and the time it really took.
/// </summary>
internal sealed class TelemetryFlush(IServiceProvider services, TimeProvider time, IConfiguration configuration, ILogger<TelemetryFlush> logger)
{
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public void Flush()
    {
        long started = time.GetTimestamp();
        int Remaining() => (int)Math.Max(0, (Budget - time.GetElapsedTime(started)).TotalMilliseconds);

        TracerProvider? tracer = services.GetService<TracerProvider>();
        MeterProvider? meter = services.GetService<MeterProvider>();
        LoggerProvider? logs = services.GetService<LoggerProvider>();
        bool flushed;
        string? reason;
        using (var failures = new OtlpExportFailures())
        {
            flushed = (tracer?.ForceFlush(Remaining()) ?? true) & (meter?.ForceFlush(Remaining()) ?? true) & (logs?.ForceFlush(Remaining()) ?? true);
            reason = failures.First;
        }

        TimeSpan elapsed = time.GetElapsedTime(started);
        if (!flushed)
        {
            if (elapsed >= Budget)
            {
                Log.TelemetryNotFlushed(logger, (long)Budget.TotalMilliseconds);
            }
            else
            {
                Log.TelemetryExportFailed(logger, Endpoint(), (long)elapsed.TotalMilliseconds,
                    reason ?? "the exporter reported a failure (the collector may be unreachable or refused the data)");
            }
        }

        tracer?.Shutdown(Remaining());
        meter?.Shutdown(Remaining());
        logs?.Shutdown(Remaining());
    }

    private string Endpoint() =>
        TelemetrySetup.EndpointVariables.Select(variable => configuration[variable]).FirstOrDefault(value => !string.IsNullOrEmpty(value)) ?? "the OTLP endpoint";

    /// <summary>
    /// The OTLP exporter reports why an export failed only as events of its EventSource; this listens to them while
    /// the flush runs (the export happens on the flush's behalf, and the events are written before it returns).
    /// </summary>
    private sealed class OtlpExportFailures : EventListener
    {
        private const string SourceName = "OpenTelemetry-Exporter-OpenTelemetryProtocol";
        private readonly ConcurrentQueue<string> _failures = new();

        /// <summary>The first failure's reason, in a line: <c>FailedToReachCollector: Connection refused (127.0.0.1:4318)</c>.</summary>
        public string? First => _failures.TryPeek(out string? first) ? first : null;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == SourceName)
            {
                EnableEvents(eventSource, EventLevel.Warning);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventSource.Name != SourceName || eventData.Level > EventLevel.Warning)
            {
                return;
            }

            // Payloads are the endpoint and an exception's text (type, message, stack): its first line says what happened.
            string? detail = eventData.Payload?.OfType<string>().Select(FirstLine).LastOrDefault(text => text.Length > 0);
            _failures.Enqueue(detail is null ? eventData.EventName ?? "export failed" : $"{eventData.EventName}: {detail}");
        }

        private static string FirstLine(string text)
        {
            string line = text.Split('\n', 2)[0].Trim();

            // "System.Net.Http.HttpRequestException: Connection refused (…)" → "Connection refused (…)".
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            return colon > 0 && line[..colon].Contains("Exception", StringComparison.Ordinal) ? line[(colon + 2)..] : line;
        }
    }
}
