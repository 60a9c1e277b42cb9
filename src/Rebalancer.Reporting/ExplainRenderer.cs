using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using static Rebalancer.Reporting.TerminalCells;

namespace Rebalancer.Reporting;

/// <summary>
/// Renders an <see cref="ExplainReport"/>: <c>text</c> for people (Spectre.Console, with the plan report's fixed
/// capabilities so output is stable) or <c>json</c>, a <c>rebalancer.io/v1alpha1</c> <c>PodExplanation</c> spelled out
/// member by member like the plan report (docs/explain.md).
/// </summary>
public static class ExplainRenderer
{
    public const string Text = ReportRenderers.Text;
    public const string Json = ReportRenderers.Json;

    /// <summary>The formats <c>explain --output</c> accepts.</summary>
    public static IReadOnlyList<string> Formats { get; } = [Text, Json];

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="ArgumentException">The format is not one of <see cref="Formats"/>.</exception>
    public static void Render(string format, ExplainReport report, TextWriter output, ReportRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        switch (format.ToLowerInvariant())
        {
            case Text:
                RenderText(report, output, options ?? ReportRenderOptions.Default);
                break;
            case Json:
                RenderJson(report, output);
                break;
            default:
                throw new ArgumentException($"Unknown explain format '{format}'; allowed: {string.Join(", ", Formats)}.", nameof(format));
        }
    }

    private static void RenderJson(ExplainReport report, TextWriter output)
    {
        var buffer = new ArrayBufferWriter<byte>(4 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", JsonReportRenderer.ApiVersion);
            writer.WriteString("kind", ExplainReport.Kind);
            JsonReportRenderer.WriteMetadata(writer, report.Context, report.Now);

            writer.WriteStartObject("pod");
            writer.WriteString("namespace", report.Namespace);
            writer.WriteString("name", report.Name);
            writer.WriteString("uid", report.Uid);
            writer.WriteString("node", report.Node);
            writer.WriteString("phase", report.Phase);
            WriteOptional(writer, "owner", report.Owner);
            writer.WriteBoolean("nodeConsidered", report.NodeNote is null);
            WriteOptional(writer, "nodeNote", report.NodeNote);
            writer.WriteEndObject();

            writer.WriteString("outcome", report.Outcome);
            writer.WriteString("verdict", report.Verdict);

            writer.WriteStartArray("decisions");
            foreach (ExplainDecision d in report.Decisions)
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", d.Sequence);
                writer.WriteNumber("step", d.Step);
                writer.WriteString("profile", d.Profile);
                writer.WriteString("plugin", d.Plugin);
                writer.WriteString("decision", d.Decision);
                if (d.EvictionIndex is int index)
                {
                    writer.WriteNumber("evictionIndex", index);
                    writer.WriteNumber("evictionNumber", index + 1);
                }

                writer.WriteString("node", d.Node);
                if (d.Decision == "Evicted")
                {
                    writer.WriteString("targetNode", d.TargetNode);
                }

                writer.WriteString("reason", d.Reason);
                WriteOptional(writer, "detail", d.Detail);
                if (d.FitNode is not null)
                {
                    writer.WriteStartObject("fit");
                    writer.WriteString("node", d.FitNode);
                    writer.WriteString("predicate", d.FitPredicate);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            writer.WriteStartArray("evictor");
            foreach (ExplainEvictorVerdict v in report.Evictor)
            {
                writer.WriteStartObject();
                writer.WriteString("profile", v.Profile);
                writer.WriteBoolean("evictable", v.Evictable);
                WriteOptional(writer, "reason", v.Reason);
                WriteOptional(writer, "detail", v.Detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            if (report.Pdb is ExplainPdb pdb)
            {
                writer.WriteStartObject("pdb");
                writer.WriteBoolean("multiple", pdb.Multiple);
                if (!pdb.Multiple)
                {
                    writer.WriteString("name", pdb.Name);
                    writer.WriteNumber("allowedAtStart", pdb.AllowedAtStart);
                    writer.WriteNumber("spentByPlan", pdb.SpentByPlan);
                    writer.WriteNumber("remainingAfterPlan", pdb.RemainingAfterPlan);
                    writer.WriteBoolean("recomputed", pdb.Recomputed);
                }

                writer.WriteEndObject();
            }

            writer.WriteStartArray("plugins");
            foreach (ExplainPluginRun run in report.Plugins)
            {
                writer.WriteStartObject();
                writer.WriteString("profile", run.Profile);
                writer.WriteString("plugin", run.Plugin);
                writer.WriteString("extensionPoint", run.ExtensionPoint);
                writer.WriteNumber("evictions", run.Evictions);
                writer.WriteNumber("skipped", run.Skipped);
                WriteStrings(writer, "notes", run.Notes);
                WriteStrings(writer, "warnings", run.Warnings);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            JsonReportRenderer.WriteMessages(writer, "warnings", report.Warnings);
            writer.WriteEndObject();
        }

        output.Write(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.Write('\n');
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        // Optional members are omitted rather than null, as in the plan report.
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void RenderText(ExplainReport report, TextWriter output, ReportRenderOptions options) =>
        TerminalCells.Render(output, options, console => new TextSections(console, report, options).Write());

    private sealed class TextSections(IAnsiConsole console, ExplainReport report, ReportRenderOptions options)
    {

        private readonly string _arrow = options.Unicode ? "→" : "->";
        private readonly bool _showProfile = report.Evictor.Count > 1;

        public void Write()
        {
            ReportContext context = report.Context;
            console.Write(new Text($"Rebalancer {context.Version}: explain {report.Key}", Heading));
            console.WriteLine();
            Grid grid = KeyValueGrid();
            AddRow(grid, "Source", context.Source);
            AddRow(grid, "Policy", $"{context.PolicySource} ({context.PolicyDigest})");
            AddRow(grid, "Now", ReportFormat.Timestamp(report.Now));
            AddRow(grid, "Pod", $"{report.Key} (uid {report.Uid}, {report.Phase})");
            AddRow(grid, "Owner", report.Owner ?? "none (bare pod)");
            AddRow(grid, "Node", report.Node is null ? "-" : report.NodeNote is null ? report.Node : $"{report.Node} (not considered)");
            Style outcome = report.Outcome switch
            {
                "Evicted" => Good,
                "Skipped" => Caution,
                _ => Style.Plain,
            };
            AddRow(grid, "Outcome", report.Outcome, outcome);
            console.Write(grid);
            console.WriteLine();
            console.Write(new Text(report.Verdict));
            console.WriteLine();

            Decisions();
            Evictor();
            Pdb();
            Plugins();
            if (report.Warnings.Count > 0)
            {
                Title($"Warnings ({ReportFormat.Count(report.Warnings.Count)})");
                foreach (ReportMessage message in report.Warnings)
                {
                    Line($"! [{ReportFormat.Origin(message)}] {message.Message}");
                }
            }
        }

        private void Decisions()
        {
            Title($"Decisions ({ReportFormat.Count(report.Decisions.Count)}, in plan order)");
            if (report.Decisions.Count == 0)
            {
                Note("No plugin recorded a decision about this pod.");
                return;
            }

            // Not a table: reasons and details are long, and a table column would wrap them into a narrow strip.
            Grid grid = new Grid().AddColumn(new GridColumn().NoWrap().RightAligned().PadRight(1)).AddColumn();
            foreach (ExplainDecision d in report.Decisions)
            {
                string plugin = ReportFormat.Plugin(d.Profile, d.Plugin, _showProfile);
                bool evicted = d.EvictionIndex is not null;
                string decision = evicted
                    ? $"Evicted #{ReportFormat.Count(d.EvictionNumber!.Value)}: {d.Node ?? "-"} {_arrow} {d.TargetNode ?? "-"}"
                    : "Skipped: " + d.Reason;
                var cell = new Paragraph();
                cell.Append(plugin + "  ", Heading);
                cell.Append(decision, evicted ? Good : Caution);
                cell.Append("\n" + (evicted ? d.Reason : d.Detail ?? string.Empty));
                grid.AddRow(Cell("#" + ReportFormat.Count(d.Step), Dim), cell);
            }

            console.Write(grid);
        }

        private void Evictor()
        {
            Title("Evictor (DefaultEvictor filter on the snapshot)");
            Grid grid = KeyValueGrid();
            foreach (ExplainEvictorVerdict v in report.Evictor)
            {
                AddRow(grid, v.Profile, v.Evictable ? "evictable" : $"protected: {v.Reason}: {v.Detail}", v.Evictable ? Style.Plain : Caution);
            }

            console.Write(grid);
            if (report.NodeNote is string note)
            {
                Note("Node: " + note);
            }
        }

        private void Pdb()
        {
            Title("PodDisruptionBudget");
            if (report.Pdb is not ExplainPdb pdb)
            {
                Note("No PodDisruptionBudget selects this pod.");
                return;
            }

            if (pdb.Multiple)
            {
                Line("Selected by more than one PodDisruptionBudget: the API server refuses its eviction.");
                return;
            }

            string source = pdb.Recomputed ? "recomputed from its spec" : "from its status";
            Line($"{pdb.Name}: {ReportFormat.Count(pdb.AllowedAtStart)} disruption(s) allowed at the start ({source}), "
                + $"{ReportFormat.Count(pdb.SpentByPlan)} spent by the plan, {ReportFormat.Count(pdb.RemainingAfterPlan)} left");
        }

        private void Plugins()
        {
            Title($"Plugins run ({ReportFormat.Count(report.Plugins.Count)}, in run order)");
            if (report.Plugins.Count == 0)
            {
                Note("No plugin ran.");
                return;
            }

            Table table = NewTable(options.Unicode);
            table.AddColumn(Column("Plugin"));
            table.AddColumn(Column("Extension point"));
            table.AddColumn(Column("Evictions", right: true));
            table.AddColumn(Column("Skipped", right: true));
            table.AddColumn(Column("Notes"));
            foreach (ExplainPluginRun run in report.Plugins)
            {
                table.AddRow(
                    Cell(ReportFormat.Plugin(run.Profile, run.Plugin, _showProfile)),
                    Cell(run.ExtensionPoint),
                    Cell(ReportFormat.Count(run.Evictions)),
                    Cell(ReportFormat.Count(run.Skipped)),
                    Cell(string.Join("\n", run.Warnings.Select(w => "! " + w).Concat(run.Notes))));
            }

            console.Write(table);
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

        private void Line(string text)
        {
            console.Write(new Text(text));
            console.WriteLine();
        }

    }
}
