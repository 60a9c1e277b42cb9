using System.Text;
using System.Text.RegularExpressions;
using Rebalancer.Core.Planning;

namespace Rebalancer.Reporting.Tests;

public sealed partial class MarkdownReportRendererTests
{
    /// <summary>Cell separators of a GFM table row: pipes not escaped with a backslash.</summary>
    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex Pipe();

    [Fact]
    public void A_plan_of_thousands_of_evictions_fits_a_pull_request_comment()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.SharedLarge);
        Assert.True(report.Evictions.Count >= 2000);

        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), report);

        Assert.True(Encoding.UTF8.GetByteCount(markdown) < 60 * 1024, $"{Encoding.UTF8.GetByteCount(markdown)} bytes");
        Assert.Contains("_The first 50 of 2,700 evictions are shown here; the JSON report lists all._", markdown, StringComparison.Ordinal);
        Assert.Equal(50, markdown.Split('\n').Count(l => l.Contains("/frontend-deployment-", StringComparison.Ordinal)));
        Assert.Contains("| `Protected:LocalStorage` | 1,999 |", markdown, StringComparison.Ordinal);
        Assert.Contains("<details><summary>Skipped pods (1,999)</summary>", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_stop_at_the_byte_budget_and_say_so()
    {
        var renderer = new MarkdownReportRenderer { MaxBytes = 16_000, MaxEvictionRows = 10_000, MaxSkippedRows = 10_000 };

        string markdown = SamplePlans.Render(renderer, SamplePlans.Report(SamplePlans.SharedLarge));

        Assert.True(Encoding.UTF8.GetByteCount(markdown) <= 16_000, $"{Encoding.UTF8.GetByteCount(markdown)} bytes");
        Assert.Contains("evictions are shown to fit a comment", markdown, StringComparison.Ordinal);
        Assert.EndsWith("</details>\n", markdown, StringComparison.Ordinal); // closing tags are never cut off
    }

    [Fact]
    public void Cell_text_cannot_break_the_table_or_inject_markup()
    {
        Plan plan = SamplePlans.Mixed();
        string detail = "a | b <img src=x> *c* [d](e) `f`\nnext " + new string('x', 300);
        Plan odd = SamplePlans.With(plan, skipped: [plan.Skipped[0] with { Detail = detail }]);

        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(odd));
        string row = markdown.Split('\n').Single(l => l.Contains("a \\| b", StringComparison.Ordinal));

        Assert.Contains(@"a \| b \<img src=x\> \*c\* \[d\](e) \`f\` next xxx", row, StringComparison.Ordinal);
        Assert.Equal(6, Pipe().Count(row)); // five cells
        Assert.Contains("x…", row, StringComparison.Ordinal); // cut at MaxCellLength
    }

    [Fact]
    public void Warnings_and_notes_are_listed_with_their_origin()
    {
        Plan plan = SamplePlans.Empty();
        Plan noted = SamplePlans.With(plan, notes: [new PlanWarning("p", "LowNodeUtilization", "no node is underutilized")]);

        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(noted));

        Assert.Contains("### Warnings (1)\n\n- **plan**: only 1 ready node(s) match the policy: nothing to plan\n", markdown, StringComparison.Ordinal);
        Assert.Contains("### Notes (1)\n\n- **p/LowNodeUtilization**: no node is underutilized\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Details_are_folded()
    {
        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(SamplePlans.Mixed()));

        Assert.Contains("<details><summary>Utilization changes: 3 nodes (1 unchanged)</summary>", markdown, StringComparison.Ordinal);
        Assert.Contains("<details><summary>Skipped pods (3)</summary>", markdown, StringComparison.Ordinal);
        Assert.Equal(
            Regex.Count(markdown, "<details>"),
            Regex.Count(markdown, "</details>"));
    }

    [Fact]
    public void Large_sections_keep_the_report_within_its_budget()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.LargeSections());

        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), report);
        string tight = SamplePlans.Render(new MarkdownReportRenderer { MaxBytes = 16_000, MaxEvictionRows = 10_000, MaxSkippedRows = 10_000, MaxSectionRows = 10_000 }, report);

        Assert.True(Encoding.UTF8.GetByteCount(markdown) < 60 * 1024, $"{Encoding.UTF8.GetByteCount(markdown)} bytes");
        Assert.Contains("_The first 20 of 500 drained nodes are shown here; the JSON report lists all._", markdown, StringComparison.Ordinal);
        Assert.Contains("_The first 20 of 300 workloads are shown here; the JSON report lists all._", markdown, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(tight) <= 16_000, $"{Encoding.UTF8.GetByteCount(tight)} bytes");
        Assert.Contains("### Consolidation (500 nodes drained, 10,000 pods moved)", tight, StringComparison.Ordinal);
        Assert.EndsWith("</details>\n", tight, StringComparison.Ordinal);
    }

    [Fact]
    public void The_optional_sections_come_after_the_skip_reasons()
    {
        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(SamplePlans.Sections()));

        int skips = markdown.IndexOf("### Skipped by reason", StringComparison.Ordinal);
        int headroom = markdown.IndexOf("### N-1 headroom", StringComparison.Ordinal);
        int spot = markdown.IndexOf("### Spot share (requested cpu)", StringComparison.Ordinal);
        int consolidation = markdown.IndexOf("### Consolidation (2 nodes drained, 4 pods moved)", StringComparison.Ordinal);
        int warnings = markdown.IndexOf("### Warnings", StringComparison.Ordinal);
        Assert.True(skips < headroom && headroom < spot && spot < consolidation && consolidation < warnings, markdown);
        Assert.Contains("| node sp-0 | **short cpu 5, memory 128Mi, pods 1** |", markdown, StringComparison.Ordinal);
        Assert.Contains("On-demand capacity is short by **cpu 2, memory 128Mi**", markdown, StringComparison.Ordinal);
        Assert.Contains("| `shop/ReplicaSet web` | 3 | 1 | 0 | ok |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_demo_report_leads_with_the_verdicts_and_groups_by_pool_and_plugin()
    {
        PlanReport report = SamplePlans.DemoReport;
        string markdown = SamplePlans.Render(new MarkdownReportRenderer(), report);
        ReportConsolidation consolidation = report.Consolidation!;

        // The verdicts come right after the counts, before the first section.
        string head = markdown[..markdown.IndexOf("### Evictions", StringComparison.Ordinal)];
        Assert.Contains("- **N-1 node loss**: ", head, StringComparison.Ordinal);
        Assert.Contains("- **N-1 zone loss**: ", head, StringComparison.Ordinal);
        Assert.Contains($"- **Spot share** (cpu): ✅ {ReportFormat.Share(report.Spot!.FractionBefore)} → {ReportFormat.Share(report.Spot.FractionAfter)} (limit 66.0%)", head, StringComparison.Ordinal);
        Assert.Contains($"- **Nodes**: {consolidation.NodesBefore} → {consolidation.NodesAfter} (lower bound {consolidation.LowerBound}, gap {consolidation.GapToLowerBound}), 2 nodes drained", head, StringComparison.Ordinal);

        // One visible row per pool and zone, with the same numbers as the model.
        PoolUtilization pool = report.UtilizationByPool[0];
        Assert.Contains("### Utilization by pool and zone", markdown, StringComparison.Ordinal);
        Assert.Contains($"| {pool.Pool} | {pool.Zone} | {pool.Nodes} | {pool.ChangedNodes} | {pool.DrainedNodes} | {ReportFormat.Change(pool.Before.Cpu, pool.After.Cpu, "→")} |", markdown, StringComparison.Ordinal);
        Assert.Equal(report.UtilizationByPool.Count, markdown.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal) && l.Contains("| eu-west-1", StringComparison.Ordinal) && !l.Contains("→ ip-", StringComparison.Ordinal) && l.Split('|').Length == 10));

        // Drained nodes are marked in the folded per-node table; skip reasons name their plugins.
        string drained = consolidation.Drained[0].Node!;
        Assert.Matches($"\\| {Regex.Escape(drained)} \\| [^|]+ \\| \\*\\*drained[^|]*\\*\\* \\|", markdown);
        Assert.Contains("| `Protected:LocalStorage` | 17 | SpotRatio 12, Consolidation 3, RemoveDuplicates 2 |", markdown, StringComparison.Ordinal);
        Assert.Contains("Scheduler assumed: kube-scheduler default (v1.29-v1.32): ", markdown, StringComparison.Ordinal);
        Assert.Contains($"- **Cordon**: 2 nodes before the first eviction: {drained} (Consolidation)", head, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(markdown) < MarkdownReportRenderer.DefaultMaxBytes);
    }
}
