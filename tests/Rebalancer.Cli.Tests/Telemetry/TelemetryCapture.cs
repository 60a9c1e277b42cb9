using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Tests.Telemetry;

/// <summary>
/// Telemetry tests share one process-wide ActivitySource and meter name: a run in a parallel test would land in
/// another test's exporter. They run alone, after the parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}

/// <summary>The in-memory exporters of one in-process run, and readers for what they caught.</summary>
internal sealed class TelemetryCapture
{
    public List<Activity> Spans { get; } = [];

    public List<MetricSnapshot> Metrics { get; } = [];

    /// <summary>Adds the in-memory exporters to the host the CLI builds, next to whatever it configures itself.</summary>
    public void Configure(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics));
    }

    public Activity Root => Assert.Single(Spans, s => s.OperationName == SpanNames.Run);

    public IEnumerable<Activity> Named(string name) => Spans.Where(s => s.OperationName == name);

    public IEnumerable<Activity> ChildrenOf(Activity parent) => Spans.Where(s => s.ParentSpanId == parent.SpanId && s.TraceId == parent.TraceId);

    /// <summary>The last export of a metric: cumulative, so it holds the run's totals.</summary>
    public MetricSnapshot Metric(string name)
    {
        MetricSnapshot? metric = Metrics.LastOrDefault(m => m.Name == name);
        Assert.True(metric is not null, $"metric {name} was not exported; exported: {string.Join(", ", Metrics.Select(m => m.Name).Distinct())}");
        return metric;
    }

    public static object? Tag(MetricPoint point, string key)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }
}
