using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Rebalancer.Reporting;

/// <summary>
/// The machine-readable report, <c>rebalancer.io/v1alpha1</c> <c>PlanReport</c> (docs/report-format.md). Written with
/// <see cref="Utf8JsonWriter"/> rather than a serializer so the contract is spelled out here property by property: the
/// order never depends on member declaration order, optional members are omitted exactly where the documentation says,
/// and renaming a C# property cannot silently rename a JSON one. Within v1alpha1 changes are additive only.
/// </summary>
public sealed class JsonReportRenderer : IReportRenderer
{
    public const string ApiVersion = "rebalancer.io/v1alpha1";
    public const string Kind = "PlanReport";

    /// <summary>Pending bytes after which the writer is drained to the output, so a plan of many thousand pods is not held twice in memory.</summary>
    private const int FlushThreshold = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,

        // "\n" on every OS: reports are compared byte for byte (golden files, diffs between runs).
        NewLine = "\n",

        // The default encoder escapes ', +, <, > and all non-ASCII for HTML embedding; this is a file or a pipe, and
        // reasons such as "priority 'x'" must stay readable. Control characters and quotes are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Format => ReportRenderers.Json;

    public void Render(PlanReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", ApiVersion);
            writer.WriteString("kind", Kind);
            WriteMetadata(writer, report);
            WriteSummary(writer, report);

            writer.WriteStartArray("evictions");
            foreach (ReportEviction eviction in report.Evictions)
            {
                WriteEviction(writer, eviction);
                DrainIfLarge(writer, buffer, output);
            }

            writer.WriteEndArray();

            writer.WriteStartArray("skipped");
            foreach (ReportSkip skip in report.Skipped)
            {
                WriteSkip(writer, skip);
                DrainIfLarge(writer, buffer, output);
            }

            writer.WriteEndArray();

            WriteMessages(writer, "warnings", report.Warnings);
            WriteMessages(writer, "notes", report.Notes);
            WriteCordons(writer, report.Cordons);

            // Optional sections (v1alpha1 additions): omitted, not null, when the planner or the plugin did not produce them.
            WriteHeadroom(writer, report.Headroom);
            WriteSpot(writer, report.Spot);
            WriteConsolidation(writer, report.Consolidation, buffer, output);
            WriteUsageHistory(writer, report.UsageHistory);
            writer.WriteEndObject();
            writer.Flush();
        }

        Drain(buffer, output);
        output.Write('\n');
    }

    private static void WriteMetadata(Utf8JsonWriter writer, PlanReport report) => WriteMetadata(writer, report.Context, report.Now, report.Scheduler);

    /// <summary>
    /// The <c>metadata</c> object every rebalancer.io document carries (plan reports and pod explanations); a plan report
    /// adds the scheduler profile its targets assume.
    /// </summary>
    internal static void WriteMetadata(Utf8JsonWriter writer, ReportContext context, DateTimeOffset now, ReportScheduler? scheduler = null)
    {
        writer.WriteStartObject("metadata");
        writer.WriteString("mode", context.Mode);
        writer.WriteString("source", context.Source);
        writer.WriteString("policy", context.PolicySource);
        writer.WriteString("policyDigest", context.PolicyDigest);
        writer.WriteString("now", ReportFormat.Timestamp(now));
        writer.WriteString("version", context.Version);
        if (scheduler is not null)
        {
            WriteScheduler(writer, scheduler);
        }

        writer.WriteEndObject();
    }

    /// <summary><c>metadata.scheduler</c>: the profile's name, whether it is kube-scheduler's default, and its score plugins.</summary>
    private static void WriteScheduler(Utf8JsonWriter writer, ReportScheduler scheduler)
    {
        writer.WriteStartObject("scheduler");
        writer.WriteString("name", scheduler.Name);
        writer.WriteBoolean("default", scheduler.IsDefault);
        writer.WriteStartArray("plugins");
        foreach (ReportScorePlugin plugin in scheduler.Plugins)
        {
            writer.WriteStartObject();
            writer.WriteString("name", plugin.Name);
            writer.WriteNumber("weight", plugin.Weight);
            if (plugin.Settings is not null)
            {
                writer.WriteString("settings", plugin.Settings);
            }

            if (plugin.NotModelled is not null)
            {
                writer.WriteString("notModelled", plugin.NotModelled);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary><c>cordons</c>: every node the plan cordons before the first eviction, with its outcome after a run.</summary>
    private static void WriteCordons(Utf8JsonWriter writer, IReadOnlyList<ReportNodeCordon> cordons)
    {
        writer.WriteStartArray("cordons");
        foreach (ReportNodeCordon cordon in cordons)
        {
            writer.WriteStartObject();
            writer.WriteString("node", cordon.Node);
            writer.WriteString("plugin", cordon.Plugin);
            WriteCordon(writer, cordon.Cordon);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteSummary(Utf8JsonWriter writer, PlanReport report)
    {
        ReportSummary summary = report.Summary;
        writer.WriteStartObject("summary");
        writer.WriteNumber("nodes", summary.Nodes);
        writer.WriteNumber("consideredNodes", summary.ConsideredNodes);
        writer.WriteNumber("pods", summary.Pods);
        writer.WriteNumber("runningPods", summary.RunningPods);
        writer.WriteNumber("evictions", summary.Evictions);
        writer.WriteNumber("skipped", summary.Skipped);
        writer.WriteNumber("warnings", summary.Warnings);

        writer.WriteStartArray("evictionsByPlugin");
        foreach (PluginSummary plugin in summary.EvictionsByPlugin)
        {
            writer.WriteStartObject();
            writer.WriteString("profile", plugin.Profile);
            writer.WriteString("plugin", plugin.Plugin);
            writer.WriteString("extensionPoint", plugin.ExtensionPoint);
            writer.WriteNumber("evictions", plugin.Evictions);
            writer.WriteNumber("skipped", plugin.Skipped);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        // An object keyed by reason is what consumers index into; its member order (count descending, then reason)
        // is the model's and is stable, though JSON readers need not keep it.
        writer.WriteStartObject("skippedByReason");
        foreach (ReasonCount reason in summary.SkippedByReason)
        {
            writer.WriteNumber(reason.Reason, reason.Count);
        }

        writer.WriteEndObject();

        writer.WriteStartArray("utilization");
        foreach (NodeUtilization node in report.Utilization)
        {
            writer.WriteStartObject();
            writer.WriteString("node", node.Node);
            writer.WriteBoolean("changed", node.Changed);
            WriteUtilization(writer, "before", node.Before);
            WriteUtilization(writer, "after", node.After);

            // v1alpha1 additions: after the original members, so readers that stop at "after" see the same prefix.
            writer.WriteString("pool", node.Pool);
            writer.WriteString("zone", node.Zone);
            writer.WriteBoolean("spot", node.Spot);
            writer.WriteBoolean("considered", node.Considered);
            writer.WriteBoolean("drained", node.Drained);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        writer.WriteStartArray("utilizationByPool");
        foreach (PoolUtilization pool in report.UtilizationByPool)
        {
            writer.WriteStartObject();
            writer.WriteString("pool", pool.Pool);
            writer.WriteString("zone", pool.Zone);
            writer.WriteNumber("nodes", pool.Nodes);
            writer.WriteNumber("consideredNodes", pool.ConsideredNodes);
            writer.WriteNumber("spotNodes", pool.SpotNodes);
            writer.WriteNumber("changedNodes", pool.ChangedNodes);
            writer.WriteNumber("drainedNodes", pool.DrainedNodes);
            WriteUtilization(writer, "before", pool.Before);
            WriteUtilization(writer, "after", pool.After);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteUtilization(Utf8JsonWriter writer, string name, ResourceUtilization utilization)
    {
        writer.WriteStartObject(name);
        WritePercent(writer, "cpu", utilization.Cpu);
        WritePercent(writer, "memory", utilization.Memory);
        WritePercent(writer, "pods", utilization.Pods);
        writer.WriteEndObject();
    }

    /// <summary>The model's percentages have scale 1, so they print as <c>80.0</c>; null for a node with nothing allocatable.</summary>
    private static void WritePercent(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is decimal d)
        {
            writer.WriteNumber(name, d);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteEviction(Utf8JsonWriter writer, ReportEviction eviction)
    {
        writer.WriteStartObject();
        writer.WriteString("namespace", eviction.Namespace);
        writer.WriteString("name", eviction.Name);
        writer.WriteString("uid", eviction.Uid);
        writer.WriteString("node", eviction.Node);
        writer.WriteString("targetNode", eviction.TargetNode);
        writer.WriteString("profile", eviction.Profile);
        writer.WriteString("plugin", eviction.Plugin);
        writer.WriteString("reason", eviction.Reason);

        // Execution results exist only after a run that evicts; a plan's report omits the members rather than
        // writing nulls, so "absent" unambiguously means "not executed".
        if (eviction.Outcome is EvictionOutcome outcome)
        {
            writer.WriteString("outcome", outcome.Outcome);
            writer.WriteNumber("attempts", outcome.Attempts);
            if (outcome.Message is not null)
            {
                writer.WriteString("message", outcome.Message);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteSkip(Utf8JsonWriter writer, ReportSkip skip)
    {
        writer.WriteStartObject();
        writer.WriteString("namespace", skip.Namespace);
        writer.WriteString("name", skip.Name);
        writer.WriteString("uid", skip.Uid);
        writer.WriteString("node", skip.Node);
        writer.WriteString("profile", skip.Profile);
        writer.WriteString("plugin", skip.Plugin);
        writer.WriteString("reason", skip.Reason);
        writer.WriteString("detail", skip.Detail);
        writer.WriteEndObject();
    }

    internal static void WriteMessages(Utf8JsonWriter writer, string name, IReadOnlyList<ReportMessage> messages)
    {
        writer.WriteStartArray(name);
        foreach (ReportMessage message in messages)
        {
            writer.WriteStartObject();
            writer.WriteString("profile", message.Profile);
            writer.WriteString("plugin", message.Plugin);
            writer.WriteString("message", message.Message);
            if (message.Source is not null)
            {
                writer.WriteString("source", message.Source);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteHeadroom(Utf8JsonWriter writer, ReportHeadroom? headroom)
    {
        if (headroom is null)
        {
            return;
        }

        writer.WriteStartObject("headroom");
        WriteVerdict(writer, "before", headroom.Before);
        WriteVerdict(writer, "after", headroom.After);
        writer.WriteEndObject();
    }

    private static void WriteVerdict(Utf8JsonWriter writer, string name, ReportHeadroomVerdict? verdict)
    {
        if (verdict is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartObject(name);
        WriteLoss(writer, "nodeLoss", "node", verdict.Node);
        WriteLoss(writer, "zoneLoss", "zone", verdict.Zone);

        // Added in v1alpha1: each zone's loss, so before and after compare the same zone.
        writer.WriteStartArray("zones");
        foreach (ReportLoss zone in verdict.Zones)
        {
            WriteLoss(writer, null, "zone", zone);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <param name="name">The member name; null for an array element.</param>
    private static void WriteLoss(Utf8JsonWriter writer, string? name, string failedName, ReportLoss? loss)
    {
        if (loss is null)
        {
            writer.WriteNull(name!);
            return;
        }

        if (name is null)
        {
            writer.WriteStartObject();
        }
        else
        {
            writer.WriteStartObject(name);
        }

        writer.WriteString(failedName, loss.Failed);
        writer.WriteBoolean("survivable", loss.Survivable);
        WriteAmounts(writer, "shortfall", loss.Shortfall);
        writer.WriteEndObject();
    }

    /// <summary>Amounts keyed by resource name, at the storage scale: cpu in millicores, other resources in units.</summary>
    private static void WriteAmounts(Utf8JsonWriter writer, string name, IReadOnlyList<ReportAmount> amounts)
    {
        writer.WriteStartObject(name);
        foreach (ReportAmount amount in amounts)
        {
            writer.WriteNumber(amount.Resource, amount.Amount);
        }

        writer.WriteEndObject();
    }

    private static void WriteSpot(Utf8JsonWriter writer, ReportSpot? spot)
    {
        if (spot is null)
        {
            return;
        }

        writer.WriteStartObject("spot");
        writer.WriteString("resource", spot.Resource);
        writer.WriteNumber("maxSpotFraction", spot.MaxSpotFraction);
        writer.WriteNumber("fractionBefore", spot.FractionBefore);
        writer.WriteNumber("fractionAfter", spot.FractionAfter);
        WriteWorkloads(writer, "belowFloorBefore", spot.BelowFloorBefore);
        WriteWorkloads(writer, "belowFloorAfter", spot.BelowFloorAfter);
        WriteAmounts(writer, "shortfall", spot.Shortfall);
        writer.WriteEndObject();
    }

    private static void WriteWorkloads(Utf8JsonWriter writer, string name, IReadOnlyList<ReportWorkload> workloads)
    {
        writer.WriteStartArray(name);
        foreach (ReportWorkload workload in workloads)
        {
            writer.WriteStartObject();
            writer.WriteString("namespace", workload.Namespace);
            writer.WriteString("kind", workload.Kind);
            writer.WriteString("name", workload.Name);
            writer.WriteNumber("replicas", workload.Replicas);
            writer.WriteNumber("onDemand", workload.OnDemand);
            writer.WriteNumber("floor", workload.Floor);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteConsolidation(Utf8JsonWriter writer, ReportConsolidation? consolidation, ArrayBufferWriter<byte> buffer, TextWriter output)
    {
        if (consolidation is null)
        {
            return;
        }

        writer.WriteStartObject("consolidation");
        writer.WriteNumber("nodesBefore", consolidation.NodesBefore);
        writer.WriteNumber("nodesAfter", consolidation.NodesAfter);
        writer.WriteNumber("lowerBound", consolidation.LowerBound);
        writer.WriteNumber("firstFitDecreasing", consolidation.FirstFitDecreasing);
        writer.WriteNumber("gapToLowerBound", consolidation.GapToLowerBound);
        writer.WriteNumber("candidates", consolidation.Candidates);
        writer.WriteNumber("searchSteps", consolidation.SearchSteps);
        writer.WriteBoolean("budgetExhausted", consolidation.BudgetExhausted);
        writer.WriteStartArray("drained");
        foreach (ReportDrainedNode node in consolidation.Drained)
        {
            writer.WriteStartObject();
            writer.WriteString("node", node.Node);
            writer.WriteNumber("weight", node.Weight);
            writer.WriteStartArray("moves");
            foreach (ReportMove move in node.Moves)
            {
                writer.WriteStartObject();
                writer.WriteString("namespace", move.Namespace);
                writer.WriteString("name", move.Name);
                writer.WriteString("targetNode", move.TargetNode);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteCordon(writer, node.Cordon);
            writer.WriteEndObject();
            DrainIfLarge(writer, buffer, output);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteUsageHistory(Utf8JsonWriter writer, ReportUsageHistory? history)
    {
        if (history is null)
        {
            return;
        }

        writer.WriteStartObject("usageHistory");
        writer.WriteString("source", history.Source);
        writer.WriteString("end", ReportFormat.Timestamp(history.End));
        writer.WriteString("window", history.Window);
        writer.WriteString("step", history.Step);
        writer.WriteNumber("containers", history.Containers);
        writer.WriteNumber("containersInSnapshot", history.ContainersInSnapshot);
        writer.WriteNumber("runningPods", history.RunningPods);
        writer.WriteNumber("runningPodsWithHistory", history.RunningPodsWithHistory);
        writer.WriteNumber("runningPodsWithoutSeries", history.RunningPodsWithoutSeries);
        if (history.MedianCoveragePercent is decimal coverage)
        {
            writer.WriteNumber("medianCoveragePercent", coverage);
        }

        writer.WriteNumber("containersWithGaps", history.ContainersWithGaps);
        writer.WriteNumber("oomKilledContainers", history.OomKilledContainers);
        writer.WriteNumber("throttledContainers", history.ThrottledContainers);
        writer.WriteEndObject();
    }

    /// <summary>Only with the plugin's <c>cordon</c> on; the execution members only after a run, as for evictions.</summary>
    private static void WriteCordon(Utf8JsonWriter writer, ReportCordon? cordon)
    {
        if (cordon is null)
        {
            return;
        }

        writer.WriteStartObject("cordon");
        writer.WriteString("action", cordon.Action);
        if (cordon.Outcome is CordonOutcome outcome)
        {
            writer.WriteString("outcome", outcome.Outcome);
            writer.WriteNumber("attempts", outcome.Attempts);
            if (outcome.HttpStatus is int status)
            {
                writer.WriteNumber("httpStatus", status);
            }

            if (outcome.Message is not null)
            {
                writer.WriteString("message", outcome.Message);
            }
        }

        writer.WriteEndObject();
    }

    private static void DrainIfLarge(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, TextWriter output)
    {
        if (writer.BytesPending + buffer.WrittenCount < FlushThreshold)
        {
            return;
        }

        writer.Flush();
        Drain(buffer, output);
    }

    /// <summary>
    /// Moves the written bytes to the text output. The writer flushes whole tokens only, so a chunk never ends inside a
    /// UTF-8 sequence and each chunk decodes on its own.
    /// </summary>
    private static void Drain(ArrayBufferWriter<byte> buffer, TextWriter output)
    {
        if (buffer.WrittenCount == 0)
        {
            return;
        }

        output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        buffer.ResetWrittenCount();
    }
}
