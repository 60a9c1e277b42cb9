using System.Text;

namespace Rebalancer.Reporting;

/// <summary>
/// A GitHub-flavoured Markdown report sized for a pull-request comment (GitHub rejects comments over 65,536
/// characters): the summary, the first evictions and the skip reasons are visible, utilization changes and individual
/// skips are folded into <c>&lt;details&gt;</c> blocks. Besides the per-table row caps, every row is charged against a
/// byte budget, so even a plan with thousands of long reasons stays under <see cref="MaxBytes"/>; whatever is left out
/// is said to be left out, and the JSON report always has everything.
/// </summary>
public sealed class MarkdownReportRenderer : IReportRenderer
{
    public const int DefaultMaxBytes = 60_000;

    /// <summary>
    /// Room kept back from the row budget for the lines written unconditionally (titles, notes, closing tags, and the
    /// fixed lines of the headroom, spot and Consolidation sections).
    /// </summary>
    private const int Reserve = 6_144;

    public string Format => ReportRenderers.Markdown;

    public int MaxEvictionRows { get; init; } = 50;

    public int MaxSkippedRows { get; init; } = 100;

    public int MaxNodeRows { get; init; } = 100;

    /// <summary>Workloads below their on-demand floor, and separately Consolidation's drained nodes, listed.</summary>
    public int MaxSectionRows { get; init; } = 20;

    /// <summary>Warnings, and separately notes, listed.</summary>
    public int MaxMessageRows { get; init; } = 20;

    /// <summary>Longer cell texts (reasons, details) are cut with an ellipsis.</summary>
    public int MaxCellLength { get; init; } = 200;

    /// <summary>Upper bound of the whole report in UTF-8 bytes.</summary>
    public int MaxBytes { get; init; } = DefaultMaxBytes;

    public void Render(PlanReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        if (MaxBytes <= Reserve * 2)
        {
            throw new InvalidOperationException($"MaxBytes must exceed {Reserve * 2}.");
        }

        var md = new Budget(MaxBytes - Reserve);
        bool showProfile = ReportFormat.HasSeveralProfiles(report);
        WriteHeader(md, report);
        WriteEvictions(md, report, showProfile);
        WriteSkipReasons(md, report);
        WriteHeadroom(md, report);
        WriteSpot(md, report);
        WriteConsolidation(md, report);
        WriteMessages(md, "Warnings", report.Warnings);
        WriteMessages(md, "Notes", report.Notes);
        WritePools(md, report);
        WriteUtilization(md, report);
        WriteSkips(md, report, showProfile);
        output.Write(md.ToString());
    }

    private void WriteHeader(Budget md, PlanReport report)
    {
        ReportContext context = report.Context;
        ReportSummary summary = report.Summary;
        md.Line($"## Rebalancer {Text(context.Mode)} report");
        md.Line();
        md.Line($"{Code(context.Source)} with policy {Code(context.PolicySource)} ({Code(context.PolicyDigest)}) at {ReportFormat.Timestamp(report.Now)}, Rebalancer {Text(context.Version)}");
        md.Line();
        md.Line($"Scheduler assumed: {Text(report.Scheduler.Description)}");
        md.Line();
        md.Line("| Nodes | Pods | Evictions | Skipped | Warnings |");
        md.Line("|---:|---:|---:|---:|---:|");
        md.Line($"| {N(summary.Nodes)} ({N(summary.ConsideredNodes)} considered) | {N(summary.Pods)} ({N(summary.RunningPods)} running) | **{N(summary.Evictions)}** | {N(summary.Skipped)} | {N(summary.Warnings)} |");
        WriteGlance(md, report);

        if (summary.EvictionsByPlugin.Count > 0)
        {
            md.Line();
            WriteTable(
                md,
                "| Profile | Plugin | Extension point | Evictions | Skipped |",
                "|---|---|---|---:|---:|",
                summary.EvictionsByPlugin.Select(p => $"| {Text(p.Profile)} | {Text(p.Plugin)} | {p.ExtensionPoint} | {N(p.Evictions)} | {N(p.Skipped)} |"),
                summary.EvictionsByPlugin.Count,
                int.MaxValue,
                "plugin runs");
        }
    }

    /// <summary>The verdicts a reviewer checks first, one line each, before and after; their sections have the details.</summary>
    private void WriteGlance(Budget md, PlanReport report)
    {
        var lines = new List<string>(4);
        if (report.Headroom is ReportHeadroom headroom)
        {
            lines.Add($"- **N-1 node loss**: {Mark(headroom.After?.Node)} {Text(ReportFormat.LossChange(headroom.Before?.Node, headroom.After?.Node, "→"))}");
            if (headroom.Before?.Zone is not null || headroom.After?.Zone is not null)
            {
                lines.Add($"- **N-1 zone loss**: {Mark(headroom.After?.Zone)} {Text(ReportFormat.ZoneLossChange(headroom.Before, headroom.After, "→"))}");
            }
        }

        if (report.Spot is ReportSpot spot)
        {
            lines.Add($"- **Spot share** ({Text(spot.Resource)}): {(spot.FractionAfter > spot.MaxSpotFraction ? "❌" : "✅")} {Text(ReportFormat.SpotChange(spot, "→"))}");
        }

        if (report.Consolidation is ReportConsolidation consolidation)
        {
            lines.Add($"- **Nodes**: {Text(ReportFormat.NodesChange(consolidation, "→"))}, {ReportFormat.Plural(consolidation.Drained.Count, "node", "nodes")} drained");
        }

        if (report.Cordons.Count > 0)
        {
            lines.Add($"- **Cordon**: {Text(ReportFormat.Cordons(report.Cordons))}");
        }

        if (report.UsageHistory is ReportUsageHistory usage)
        {
            lines.Add($"- **Usage history**: {Text(ReportFormat.UsageHistory(usage))}");
        }

        if (lines.Count == 0)
        {
            return;
        }

        md.Line();
        foreach (string line in lines)
        {
            md.Line(line);
        }
    }

    private static string Mark(ReportLoss? after) => after is null ? "➖" : after.Survivable ? "✅" : "❌";

    private void WriteEvictions(Budget md, PlanReport report, bool showProfile)
    {
        md.Line();
        md.Line($"### Evictions ({N(report.Evictions.Count)})");
        md.Line();
        if (report.Evictions.Count == 0)
        {
            md.Line("No evictions planned.");
            return;
        }

        bool outcomes = report.HasOutcomes;
        WriteTable(
            md,
            outcomes ? "| # | Pod | From → To | Plugin | Outcome | Reason |" : "| # | Pod | From → To | Plugin | Reason |",
            outcomes ? "|---:|---|---|---|---|---|" : "|---:|---|---|---|---|",
            report.Evictions.Select((e, i) =>
                $"| {N(i + 1)} | {Code(e.Key)} | {Text(e.Node ?? "-")} → {Text(e.TargetNode ?? "-")} | {Text(ReportFormat.Plugin(e.Profile, e.Plugin, showProfile))} |"
                + (outcomes ? $" {Text(ReportFormat.Outcome(e.Outcome))} |" : string.Empty)
                + $" {Text(e.Reason)} |"),
            report.Evictions.Count,
            MaxEvictionRows,
            "evictions");
    }

    private void WriteSkipReasons(Budget md, PlanReport report)
    {
        md.Line();
        md.Line($"### Skipped by reason ({N(report.Skipped.Count)})");
        md.Line();
        if (report.Skipped.Count == 0)
        {
            md.Line("No pod was skipped.");
            return;
        }

        IReadOnlyList<ReasonCount> reasons = report.Summary.SkippedByReason;
        bool showProfile = ReportFormat.HasSeveralProfiles(report);
        WriteTable(
            md,
            "| Reason | Count | By plugin |",
            "|---|---:|---|",
            reasons.Select(r => $"| {Code(r.Reason)} | {N(r.Count)} | {Text(ReportFormat.PluginsOf(report, r.Reason, showProfile))} |"),
            reasons.Count,
            int.MaxValue,
            "reasons");
    }

    /// <summary>N-1 verdicts before and after the plan (a few fixed lines); left out when none was evaluated.</summary>
    private void WriteHeadroom(Budget md, PlanReport report)
    {
        if (report.Headroom is not ReportHeadroom headroom)
        {
            return;
        }

        md.Line();
        md.Line("### N-1 headroom");
        md.Line();
        md.Line("| Lost | Before the plan | After the plan |");
        md.Line("|---|---|---|");
        md.Line($"| {Text(ReportFormat.Failed("node", headroom.Before?.Node, headroom.After?.Node))} | {Loss(headroom.Before?.Node)} | {Loss(headroom.After?.Node)} |");
        var zones = ReportFormat.ZoneRows(headroom);
        foreach ((string zone, ReportLoss? before, ReportLoss? after, bool worstBefore, bool worstAfter) in zones)
        {
            md.Line($"| zone {Text(zone)} | {Loss(before, worstBefore)} | {Loss(after, worstAfter)} |");
        }

        md.Line();
        md.Line("The largest node, or one zone, lost: its pods re-fitted first-fit-decreasing onto the rest; DaemonSet and mirror pods die with it."
            + (zones.Count > 0 ? " Each zone is compared with itself." : string.Empty));
    }

    private string Loss(ReportLoss? loss, bool worst = false) =>
        loss is { Survivable: false } ? "**" + Text(ReportFormat.ZoneCell(loss, worst)) + "**" : Text(ReportFormat.ZoneCell(loss, worst));

    /// <summary>SpotRatio's share, floors and shortfall; left out when the plugin did not run.</summary>
    private void WriteSpot(Budget md, PlanReport report)
    {
        if (report.Spot is not ReportSpot spot)
        {
            return;
        }

        md.Line();
        md.Line($"### Spot share (requested {Text(spot.Resource)})");
        md.Line();
        md.Line("| Share on spot before | After | Limit | Below on-demand floor before | After |");
        md.Line("|---:|---:|---:|---:|---:|");
        md.Line($"| {ReportFormat.ShareAgainst(spot.FractionBefore, spot.MaxSpotFraction)} | {ReportFormat.ShareAgainst(spot.FractionAfter, spot.MaxSpotFraction)} | {ReportFormat.Share(spot.MaxSpotFraction)} | {N(spot.BelowFloorBefore.Count)} | {N(spot.BelowFloorAfter.Count)} |");
        if (spot.Shortfall.Count > 0)
        {
            md.Line();
            md.Line($"On-demand capacity is short by **{Text(ReportFormat.Amounts(spot.Shortfall))}**: SpotRatio cannot add nodes.");
        }

        List<(string Workload, string Replicas, string Floor, string Before, string After)> rows = ReportFormat.FloorRows(spot);
        if (rows.Count == 0)
        {
            return;
        }

        md.Line();
        WriteTable(
            md,
            "| Workload below its on-demand floor | Replicas | Floor | On-demand before | After |",
            "|---|---:|---:|---:|---:|",
            rows.Select(r => $"| {Code(r.Workload)} | {r.Replicas} | {r.Floor} | {r.Before} | {r.After} |"),
            rows.Count,
            MaxSectionRows,
            "workloads");
    }

    /// <summary>Consolidation's node counts, bounds and the first drained nodes; left out when the plugin did not run.</summary>
    private void WriteConsolidation(Budget md, PlanReport report)
    {
        if (report.Consolidation is not ReportConsolidation consolidation)
        {
            return;
        }

        md.Line();
        md.Line($"### Consolidation ({ReportFormat.Plural(consolidation.Drained.Count, "node", "nodes")} drained, {ReportFormat.Plural(consolidation.DrainedPods, "pod", "pods")} moved)");
        md.Line();
        md.Line("| Nodes before | After | Lower bound | Gap to lower bound | First-fit-decreasing | Candidates | Search steps |");
        md.Line("|---:|---:|---:|---:|---:|---:|---:|");
        md.Line($"| {N(consolidation.NodesBefore)} | **{N(consolidation.NodesAfter)}** | {N(consolidation.LowerBound)} | {N(consolidation.GapToLowerBound)} | {N(consolidation.FirstFitDecreasing)} | {N(consolidation.Candidates)} | {ReportFormat.Count(consolidation.SearchSteps)} |");
        if (consolidation.BudgetExhausted)
        {
            md.Line();
            md.Line("The search budget was exhausted: a longer search may drain more nodes.");
        }

        if (consolidation.Drained.Count == 0)
        {
            return;
        }

        md.Line();
        WriteTable(
            md,
            "| Drained node | Pods | Moved to |",
            "|---|---:|---|",
            consolidation.Drained.Select(d => $"| {Text(d.Node ?? "-")} | {N(d.Moves.Count)} | {Text(ReportFormat.Targets(d, 4))} |"),
            consolidation.Drained.Count,
            MaxSectionRows,
            "drained nodes");
    }

    /// <summary>Warnings or notes as a list; the section is left out when there are none.</summary>
    private void WriteMessages(Budget md, string title, IReadOnlyList<ReportMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        md.Line();
        md.Line($"### {title} ({N(messages.Count)})");
        md.Line();
        int shown = 0;
        foreach (ReportMessage message in messages)
        {
            if (shown == MaxMessageRows || !md.TryLine($"- **{Text(ReportFormat.Origin(message))}**: {Text(message.Message)}"))
            {
                break;
            }

            shown++;
        }

        Omitted(md, shown, messages.Count, MaxMessageRows, title.ToLowerInvariant());
    }

    /// <summary>Summed requests per pool and zone, visible; the per-node changes follow, folded.</summary>
    private void WritePools(Budget md, PlanReport report)
    {
        IReadOnlyList<PoolUtilization> pools = report.UtilizationByPool;
        md.Line();
        md.Line("### Utilization by pool and zone");
        md.Line();
        WriteTable(
            md,
            "| Pool | Zone | Nodes | Changed | Drained | CPU | Memory | Pods |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            pools.Select(p => $"| {Text(ReportFormat.Label(p.Pool))} | {Text(ReportFormat.Label(p.Zone))} | {N(p.Nodes)} | {N(p.ChangedNodes)} | {N(p.DrainedNodes)} | {ReportFormat.Change(p.Before.Cpu, p.After.Cpu, "→")} | {ReportFormat.Change(p.Before.Memory, p.After.Memory, "→")} | {ReportFormat.Change(p.Before.Pods, p.After.Pods, "→")} |"),
            pools.Count,
            MaxSectionRows,
            "pool and zone groups");
        md.Line();
        md.Line("Requested resources as a percentage of allocatable, before → after the plan; after, drained nodes are left out (the autoscaler removes them).");
    }

    private void WriteUtilization(Budget md, PlanReport report)
    {
        IReadOnlyList<NodeUtilization> changed = report.ChangedNodes;
        md.Line();
        md.Line($"<details><summary>Utilization changes: {ReportFormat.Plural(changed.Count, "node", "nodes")} ({N(report.UnchangedNodeCount)} unchanged)</summary>");
        md.Line();
        if (changed.Count == 0)
        {
            md.Line("No node changes.");
        }
        else
        {
            WriteTable(
                md,
                "| Node | Pool | Marks | CPU | Memory | Pods |",
                "|---|---|---|---:|---:|---:|",
                changed.Select(n =>
                    $"| {Text(n.Node)} | {Text(ReportFormat.Label(n.Pool))} | {(n.Drained ? "**" + Text(ReportFormat.Marks(n)) + "**" : Text(ReportFormat.Marks(n)))} | {ReportFormat.Change(n.Before.Cpu, n.After.Cpu, "→")} | {ReportFormat.Change(n.Before.Memory, n.After.Memory, "→")} | {ReportFormat.Change(n.Before.Pods, n.After.Pods, "→")} |"),
                changed.Count,
                MaxNodeRows,
                "nodes");
            md.Line();
            md.Line("Requested resources as a percentage of allocatable, before → after the plan.");
        }

        md.Line();
        md.Line("</details>");
    }

    private void WriteSkips(Budget md, PlanReport report, bool showProfile)
    {
        if (report.Skipped.Count == 0)
        {
            return;
        }

        md.Line();
        md.Line($"<details><summary>Skipped pods ({N(report.Skipped.Count)})</summary>");
        md.Line();
        WriteTable(
            md,
            "| Pod | Node | Plugin | Reason | Detail |",
            "|---|---|---|---|---|",
            report.Skipped.Select(s =>
                $"| {Code(s.Key)} | {Text(s.Node ?? "-")} | {Text(ReportFormat.Plugin(s.Profile, s.Plugin, showProfile))} | {Code(s.Reason)} | {Text(s.Detail)} |"),
            report.Skipped.Count,
            MaxSkippedRows,
            "skips");
        md.Line();
        md.Line("</details>");
    }

    /// <summary>Writes the header and as many rows as both the cap and the byte budget allow, then says what was left out.</summary>
    private static void WriteTable(Budget md, string header, string separator, IEnumerable<string> rows, int total, int cap, string noun)
    {
        md.Line(header);
        md.Line(separator);
        int shown = 0;
        foreach (string row in rows)
        {
            if (shown == cap || !md.TryLine(row))
            {
                break;
            }

            shown++;
        }

        Omitted(md, shown, total, cap, noun);
    }

    private static void Omitted(Budget md, int shown, int total, int cap, string noun)
    {
        if (shown >= total)
        {
            return;
        }

        string why = shown < cap ? "to fit a comment" : "here";
        md.Line();
        md.Line($"_The first {N(shown)} of {N(total)} {noun} are shown {why}; the JSON report lists all._");
    }

    private static string N(int value) => ReportFormat.Count(value);

    /// <summary>
    /// Plain text for a table cell or a line: cut to <see cref="MaxCellLength"/>, newlines flattened, and every character
    /// Markdown or HTML could act on backslash-escaped (GFM allows escaping any ASCII punctuation), so a reason with
    /// "&lt;none&gt;" or a '|' cannot break the table or inject markup.
    /// </summary>
    private string Text(string value)
    {
        string cut = Cut(value);
        var sb = new StringBuilder(cut.Length + 8);
        foreach (char c in cut)
        {
            switch (c)
            {
                case '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '~' or '&':
                    sb.Append('\\').Append(c);
                    break;
                case '\r' or '\n' or '\t':
                    sb.Append(' ');
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// A code span for identifiers (pod keys, reasons, paths). Backslashes are literal inside code spans, so a value
    /// holding a backtick falls back to escaped text; '|' still needs its escape inside a GFM table.
    /// </summary>
    private string Code(string value)
    {
        string cut = Cut(value);
        return cut.Contains('`', StringComparison.Ordinal) || cut.Length == 0
            ? Text(value)
            : "`" + cut.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ") + "`";
    }

    private string Cut(string value) =>
        value.Length <= MaxCellLength ? value : value[..Math.Max(0, MaxCellLength - 1)] + "…";

    /// <summary>Markdown text with a running UTF-8 size: unconditional lines always go in, rows only while they fit.</summary>
    private sealed class Budget(int rowLimit)
    {
        private readonly StringBuilder _text = new();
        private int _bytes;

        public void Line(string line = "")
        {
            _text.Append(line).Append('\n');
            _bytes += Encoding.UTF8.GetByteCount(line) + 1;
        }

        public bool TryLine(string line)
        {
            if (_bytes + Encoding.UTF8.GetByteCount(line) + 1 > rowLimit)
            {
                return false;
            }

            Line(line);
            return true;
        }

        public override string ToString() => _text.ToString();
    }
}
