using Spectre.Console;
using static Rebalancer.Reporting.TerminalCells;
using Spectre.Console.Rendering;

namespace Rebalancer.Reporting;

/// <summary>
/// The human report for a terminal: header, summary, evictions, skips grouped by reason, utilization changes, warnings.
/// Every capability Spectre.Console would otherwise detect (width, colour, Unicode, CI enrichers) is fixed from
/// <see cref="ReportRenderOptions"/> (without a width, tables are as wide as their content and nothing wraps), and line ends are normalised, so the output depends on the report alone and can be
/// compared with golden files. The only time shown is the plan's <see cref="PlanReport.Now"/>.
/// </summary>
public sealed class TextReportRenderer : IReportRenderer
{
    /// <summary>The narrowest layout the tables fit in.</summary>
    public const int MinimumWidth = 40;
    public const int DefaultMaxSkippedRows = 50;
    public const int DefaultMaxSectionRows = 20;

    private readonly ReportRenderOptions _options;

    public TextReportRenderer()
        : this(ReportRenderOptions.Default)
    {
    }

    public TextReportRenderer(ReportRenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Width < MinimumWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Width, $"The text report needs at least {MinimumWidth} columns.");
        }

        _options = options;
    }

    /// <summary>Skipped pods listed one by one; the rest are only counted (the per-reason table covers all of them).</summary>
    public int MaxSkippedRows { get; init; } = DefaultMaxSkippedRows;

    /// <summary>Rows of the spot floors and Consolidation's drained nodes listed; the rest are counted (the JSON report lists all).</summary>
    public int MaxSectionRows { get; init; } = DefaultMaxSectionRows;

    public string Format => ReportRenderers.Text;

    public void Render(PlanReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);

        TerminalCells.Render(output, _options, console =>
        {
            var sections = new Sections(console, report, _options, MaxSkippedRows, MaxSectionRows);
            sections.Header();
            sections.Summary();
            sections.Evictions();
            sections.Skipped();
            sections.Utilization();
            sections.Headroom();
            sections.Spot();
            sections.Consolidation();
            sections.Warnings();
            sections.Notes();
        });
    }

    /// <summary>One render: the console, the report and the glyphs and styles chosen for it.</summary>
    private sealed class Sections(IAnsiConsole console, PlanReport report, ReportRenderOptions options, int maxSkippedRows, int maxSectionRows)
    {

        private readonly string _arrow = options.Unicode ? "→" : "->";
        private readonly bool _showProfile = ReportFormat.HasSeveralProfiles(report);

        public void Header()
        {
            ReportContext context = report.Context;
            console.Write(new Text($"Rebalancer {context.Version}: {context.Mode} report", Heading));
            console.WriteLine();
            Grid grid = KeyValueGrid();
            AddRow(grid, "Source", context.Source);
            AddRow(grid, "Policy", $"{context.PolicySource} ({context.PolicyDigest})");
            AddRow(grid, "Scheduler", report.Scheduler.Description);
            AddRow(grid, "Now", ReportFormat.Timestamp(report.Now));
            console.Write(grid);
        }

        public void Summary()
        {
            ReportSummary summary = report.Summary;
            Title("Summary");
            Grid grid = KeyValueGrid();
            AddRow(grid, "Nodes", $"{ReportFormat.Count(summary.Nodes)} ({ReportFormat.Count(summary.ConsideredNodes)} considered)");
            AddRow(grid, "Pods", $"{ReportFormat.Count(summary.Pods)} ({ReportFormat.Count(summary.RunningPods)} running)");
            AddRow(grid, "Evictions", ReportFormat.Count(summary.Evictions), summary.Evictions > 0 ? Good : Style.Plain);
            AddRow(grid, "Skipped", ReportFormat.Count(summary.Skipped), summary.Skipped > 0 ? Caution : Style.Plain);
            AddRow(grid, "Warnings", ReportFormat.Count(summary.Warnings), summary.Warnings > 0 ? Bad : Style.Plain);

            // The verdicts a reviewer checks first, before and after; their sections below have the details.
            if (report.Headroom is ReportHeadroom headroom)
            {
                AddRow(grid, "N-1 node loss", ReportFormat.LossChange(headroom.Before?.Node, headroom.After?.Node, _arrow), headroom.After?.Node is { Survivable: false } ? Bad : Good);
                if (headroom.Before?.Zone is not null || headroom.After?.Zone is not null)
                {
                    AddRow(grid, "N-1 zone loss", ReportFormat.ZoneLossChange(headroom.Before, headroom.After, _arrow), headroom.After?.Zone is { Survivable: false } ? Bad : Good);
                }
            }

            if (report.Spot is ReportSpot spot)
            {
                AddRow(grid, "Spot", ReportFormat.SpotChange(spot, _arrow), spot.FractionAfter > spot.MaxSpotFraction ? Bad : Good);
            }

            if (report.Consolidation is ReportConsolidation consolidation)
            {
                AddRow(grid, "Consolidation", "nodes " + ReportFormat.NodesChange(consolidation, _arrow) + $", {ReportFormat.Plural(consolidation.Drained.Count, "node", "nodes")} drained");
            }

            if (report.Cordons.Count > 0)
            {
                AddRow(grid, "Cordon", ReportFormat.Cordons(report.Cordons));
            }

            if (report.UsageHistory is ReportUsageHistory usage)
            {
                AddRow(grid, "Usage history", ReportFormat.UsageHistory(usage), usage.RunningPodsWithoutSeries > 0 || usage.ContainersWithGaps > 0 ? Caution : Style.Plain);
            }

            console.Write(grid);

            if (summary.EvictionsByPlugin.Count == 0)
            {
                return;
            }

            console.WriteLine();
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Profile"));
            table.AddColumn(Column("Plugin"));
            table.AddColumn(Column("Extension point"));
            table.AddColumn(Column("Evictions", right: true));
            table.AddColumn(Column("Skipped", right: true));
            foreach (PluginSummary plugin in summary.EvictionsByPlugin)
            {
                table.AddRow(
                    Cell(plugin.Profile),
                    Cell(plugin.Plugin),
                    Cell(plugin.ExtensionPoint),
                    Cell(ReportFormat.Count(plugin.Evictions)),
                    Cell(ReportFormat.Count(plugin.Skipped)));
            }

            console.Write(table);
        }

        public void Evictions()
        {
            Title($"Evictions ({ReportFormat.Count(report.Evictions.Count)}, in execution order)");
            if (report.Evictions.Count == 0)
            {
                Note("No evictions planned.");
                return;
            }

            bool outcomes = report.HasOutcomes;
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("#", right: true));
            table.AddColumn(Column("Pod"));
            table.AddColumn(Column($"From {_arrow} To"));
            table.AddColumn(Column("Plugin"));
            if (outcomes)
            {
                table.AddColumn(Column("Outcome"));
            }

            table.AddColumn(Column("Reason"));
            int index = 0;
            string? previousReason = null;
            foreach (ReportEviction eviction in report.Evictions)
            {
                var row = new List<IRenderable>
                {
                    Cell(ReportFormat.Count(++index)),
                    Cell(eviction.Key),
                    Cell($"{eviction.Node ?? "-"} {_arrow} {eviction.TargetNode ?? "-"}"),
                    Cell(ReportFormat.Plugin(eviction.Profile, eviction.Plugin, _showProfile)),
                };
                if (outcomes)
                {
                    row.Add(Cell(ReportFormat.Outcome(eviction.Outcome)));
                }

                // A strategy usually evicts several pods for one reason (the replicas of one owner on one node), and a
                // long reason wraps over many lines of a terminal table: print it once per run of identical reasons.
                row.Add(eviction.Reason == previousReason ? Cell("same as above", Dim) : Cell(eviction.Reason));
                previousReason = eviction.Reason;
                table.AddRow(row);
            }

            console.Write(table);
        }

        public void Skipped()
        {
            Title($"Skipped ({ReportFormat.Count(report.Skipped.Count)})");
            if (report.Skipped.Count == 0)
            {
                Note("No pod was skipped.");
                return;
            }

            Table reasons = NewTable(options.Unicode);
            reasons.AddColumn(Column("Reason"));
            reasons.AddColumn(Column("Count", right: true));
            reasons.AddColumn(Column("By plugin"));
            foreach (ReasonCount reason in report.Summary.SkippedByReason)
            {
                reasons.AddRow(Cell(reason.Reason, Caution), Cell(ReportFormat.Count(reason.Count)), Cell(ReportFormat.PluginsOf(report, reason.Reason, _showProfile)));
            }

            console.Write(reasons);
            if (maxSkippedRows <= 0)
            {
                return;
            }

            console.WriteLine();
            int shown = Math.Min(maxSkippedRows, report.Skipped.Count);
            Note(shown < report.Skipped.Count
                ? $"The first {ReportFormat.Count(shown)} of {ReportFormat.Count(report.Skipped.Count)} skips, in plan order (the JSON report lists all):"
                : "Skips, in plan order:");
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Pod"));
            table.AddColumn(Column("Node"));
            table.AddColumn(Column("Plugin"));
            table.AddColumn(Column("Reason"));
            table.AddColumn(Column("Detail"));
            foreach (ReportSkip skip in report.Skipped.Take(shown))
            {
                table.AddRow(
                    Cell(skip.Key),
                    Cell(skip.Node ?? "-"),
                    Cell(ReportFormat.Plugin(skip.Profile, skip.Plugin, _showProfile)),
                    Cell(skip.Reason, Caution),
                    Cell(skip.Detail));
            }

            console.Write(table);
        }

        public void Utilization()
        {
            Title("Utilization (requested / allocatable)");
            PoolTable();
            if (report.ChangedNodes.Count == 0)
            {
                Note($"No node changes ({ReportFormat.Plural(report.UnchangedNodeCount, "node", "nodes")} unchanged).");
                return;
            }

            console.WriteLine();
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Node"));

            // No pool column: the table above has the pools, and a 40-character node name must fit on one line at 120 columns.
            table.AddColumn(Column("Marks"));
            table.AddColumn(Column("CPU", right: true));
            table.AddColumn(Column("Memory", right: true));
            table.AddColumn(Column("Pods", right: true));
            foreach (NodeUtilization node in report.ChangedNodes)
            {
                table.AddRow(
                    Cell(node.Node),
                    Cell(ReportFormat.Marks(node), node.Drained ? Good : Dim),
                    Cell(ReportFormat.Change(node.Before.Cpu, node.After.Cpu, _arrow)),
                    Cell(ReportFormat.Change(node.Before.Memory, node.After.Memory, _arrow)),
                    Cell(ReportFormat.Change(node.Before.Pods, node.After.Pods, _arrow)));
            }

            console.Write(table);
            Note($"{ReportFormat.Plural(report.ChangedNodes.Count, "node", "nodes")} changed, {ReportFormat.Count(report.UnchangedNodeCount)} unchanged.");
        }

        /// <summary>Summed requests per pool and zone; after the plan, drained nodes are left out (the autoscaler removes them).</summary>
        private void PoolTable()
        {
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Pool"));
            table.AddColumn(Column("Zone"));
            table.AddColumn(Column("Nodes", right: true));
            table.AddColumn(Column("Changed", right: true));
            table.AddColumn(Column("Drained", right: true));
            table.AddColumn(Column("CPU", right: true));
            table.AddColumn(Column("Memory", right: true));
            table.AddColumn(Column("Pods", right: true));
            foreach (PoolUtilization pool in report.UtilizationByPool.Take(maxSectionRows))
            {
                table.AddRow(
                    Cell(ReportFormat.Label(pool.Pool)),
                    Cell(ReportFormat.Label(pool.Zone)),
                    Cell(ReportFormat.Count(pool.Nodes)),
                    Cell(ReportFormat.Count(pool.ChangedNodes)),
                    Cell(ReportFormat.Count(pool.DrainedNodes), pool.DrainedNodes > 0 ? Good : Style.Plain),
                    Cell(ReportFormat.Change(pool.Before.Cpu, pool.After.Cpu, _arrow)),
                    Cell(ReportFormat.Change(pool.Before.Memory, pool.After.Memory, _arrow)),
                    Cell(ReportFormat.Change(pool.Before.Pods, pool.After.Pods, _arrow)));
            }

            console.Write(table);
            Omitted(report.UtilizationByPool.Count, "pool and zone groups");
            if (report.UtilizationByPool.Any(p => p.DrainedNodes > 0))
            {
                Note("After the plan, a group's drained nodes are left out: the autoscaler removes them.");
            }
        }

        /// <summary>N-1 verdicts before and after the plan; left out when none was evaluated.</summary>
        public void Headroom()
        {
            if (report.Headroom is not ReportHeadroom headroom)
            {
                return;
            }

            Title("N-1 headroom (the largest node, or one zone, lost)");
            Table table = NewTable(options.Unicode);

            // The node's name does not wrap on a terminal either: the verdict columns do.
            table.AddColumn(Column("Lost").NoWrap());
            table.AddColumn(Column("Before the plan"));
            table.AddColumn(Column("After the plan"));
            table.AddRow(
                Cell(ReportFormat.Failed("node", headroom.Before?.Node, headroom.After?.Node)),
                LossCell(headroom.Before?.Node),
                LossCell(headroom.After?.Node));
            var zones = ReportFormat.ZoneRows(headroom);
            foreach ((string zone, ReportLoss? before, ReportLoss? after, bool worstBefore, bool worstAfter) in zones)
            {
                table.AddRow(Cell("zone " + zone), LossCell(before, worstBefore), LossCell(after, worstAfter));
            }

            console.Write(table);
            Note("Its pods re-fitted first-fit-decreasing onto the other nodes' free requests; DaemonSet and mirror pods die with it."
                + (zones.Count > 0 ? " Each zone is compared with itself." : string.Empty));
        }

        /// <summary>SpotRatio's share, floors and shortfall; left out when the plugin did not run.</summary>
        public void Spot()
        {
            if (report.Spot is not ReportSpot spot)
            {
                return;
            }

            Title($"Spot share (requested {spot.Resource})");
            Grid grid = KeyValueGrid();
            AddRow(grid, "Share on spot", ReportFormat.SpotChange(spot, _arrow),
                spot.FractionAfter > spot.MaxSpotFraction ? Bad : Good);
            AddRow(grid, "Below on-demand floor", $"{ReportFormat.Plural(spot.BelowFloorBefore.Count, "workload", "workloads")} before, {ReportFormat.Count(spot.BelowFloorAfter.Count)} after",
                spot.BelowFloorAfter.Count > 0 ? Bad : Style.Plain);
            if (spot.Shortfall.Count > 0)
            {
                AddRow(grid, "On-demand shortfall", ReportFormat.Amounts(spot.Shortfall) + " (SpotRatio cannot add nodes)", Bad);
            }

            console.Write(grid);
            List<(string Workload, string Replicas, string Floor, string Before, string After)> rows = ReportFormat.FloorRows(spot);
            if (rows.Count == 0)
            {
                return;
            }

            console.WriteLine();
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Workload"));
            table.AddColumn(Column("Replicas", right: true));
            table.AddColumn(Column("Floor", right: true));
            table.AddColumn(Column("On-demand before", right: true));
            table.AddColumn(Column("After", right: true));
            foreach ((string workload, string replicas, string floor, string before, string after) in rows.Take(maxSectionRows))
            {
                table.AddRow(Cell(workload), Cell(replicas), Cell(floor), Cell(before), Cell(after, after == "ok" ? Good : Bad));
            }

            console.Write(table);
            Omitted(rows.Count, "workloads");
        }

        /// <summary>Consolidation's node counts, bounds and drained nodes; left out when the plugin did not run.</summary>
        public void Consolidation()
        {
            if (report.Consolidation is not ReportConsolidation consolidation)
            {
                return;
            }

            Title("Consolidation");
            Grid grid = KeyValueGrid();
            AddRow(grid, "Nodes", $"{ReportFormat.Count(consolidation.NodesBefore)} {_arrow} {ReportFormat.Count(consolidation.NodesAfter)} ({ReportFormat.Plural(consolidation.Drained.Count, "node", "nodes")} drained, {ReportFormat.Plural(consolidation.DrainedPods, "pod", "pods")} moved)",
                consolidation.Drained.Count > 0 ? Good : Style.Plain);
            AddRow(grid, "Lower bound", $"{ReportFormat.Count(consolidation.LowerBound)} (gap to lower bound {ReportFormat.Count(consolidation.GapToLowerBound)}; first-fit-decreasing estimate {ReportFormat.Count(consolidation.FirstFitDecreasing)})");
            AddRow(grid, "Search", $"{ReportFormat.Plural(consolidation.Candidates, "candidate", "candidates")}, {ReportFormat.Count(consolidation.SearchSteps)} steps"
                + (consolidation.BudgetExhausted ? "; budget exhausted, a longer search may drain more" : string.Empty),
                consolidation.BudgetExhausted ? Caution : Style.Plain);
            console.Write(grid);
            if (consolidation.Drained.Count == 0)
            {
                return;
            }

            console.WriteLine();
            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Drained node"));
            table.AddColumn(Column("Pods", right: true));
            table.AddColumn(Column("Moved to"));
            bool cordons = consolidation.Drained.Any(d => d.Cordon is not null);
            if (cordons)
            {
                table.AddColumn(Column("Cordon"));
            }

            foreach (ReportDrainedNode node in consolidation.Drained.Take(maxSectionRows))
            {
                var row = new List<IRenderable> { Cell(node.Node ?? "-"), Cell(ReportFormat.Count(node.Moves.Count)), Cell(ReportFormat.Targets(node, 4)) };
                if (cordons)
                {
                    row.Add(Cell(node.Cordon?.Describe() ?? "-", node.Cordon?.Outcome?.Outcome is "CordonFailed" or "UncordonFailed" ? Bad : Style.Plain));
                }

                table.AddRow(row);
            }

            console.Write(table);
            Omitted(consolidation.Drained.Count, "drained nodes");
        }

        private static Text LossCell(ReportLoss? loss, bool worst = false) =>
            Cell(ReportFormat.ZoneCell(loss, worst), loss is null ? Dim : loss.Survivable ? Good : Bad);

        private void Omitted(int total, string noun)
        {
            if (total > maxSectionRows)
            {
                Note($"The first {ReportFormat.Count(maxSectionRows)} of {ReportFormat.Count(total)} {noun}; the JSON report lists all.");
            }
        }

        public void Warnings()
        {
            Title($"Warnings ({ReportFormat.Count(report.Warnings.Count)})");
            if (report.Warnings.Count == 0)
            {
                Note("None.");
                return;
            }

            Messages(report.Warnings, new Text("!", Bad));
        }

        /// <summary>Notes are informational (why a plugin did nothing), so the section is left out when there are none.</summary>
        public void Notes()
        {
            if (report.Notes.Count == 0)
            {
                return;
            }

            Title($"Notes ({ReportFormat.Count(report.Notes.Count)})");
            Messages(report.Notes, new Text("-", Dim));
        }

        private void Messages(IReadOnlyList<ReportMessage> messages, Text bullet)
        {
            Grid grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(1)).AddColumn();
            foreach (ReportMessage message in messages)
            {
                grid.AddRow(bullet, new Text($"[{ReportFormat.Origin(message)}] {message.Message}"));
            }

            console.Write(grid);
        }

        private void Title(string title)
        {
            console.WriteLine();
            console.Write(new Text(title, Heading));
            console.WriteLine();
        }

        private void Note(string text)
        {
            console.Write(new Text(text, Dim));
            console.WriteLine();
        }

    }
}
