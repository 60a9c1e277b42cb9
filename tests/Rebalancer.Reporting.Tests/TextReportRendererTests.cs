using System.Text.RegularExpressions;
using Rebalancer.Core.Planning;

namespace Rebalancer.Reporting.Tests;

public sealed class TextReportRendererTests
{
    private static string Render(PlanReport report, ReportRenderOptions? options = null, int? maxSkipped = null)
    {
        var renderer = new TextReportRenderer(options ?? ReportRenderOptions.Default) { MaxSkippedRows = maxSkipped ?? TextReportRenderer.DefaultMaxSkippedRows };
        return SamplePlans.Render(renderer, report);
    }

    [Fact]
    public void Without_color_there_are_no_escape_sequences()
    {
        string text = Render(SamplePlans.Report(SamplePlans.Mixed()), new ReportRenderOptions { Color = false });

        Assert.DoesNotContain('\u001b', text);
    }

    [Fact]
    public void With_color_the_report_is_styled()
    {
        string plain = Render(SamplePlans.Report(SamplePlans.Mixed()));
        string colored = Render(SamplePlans.Report(SamplePlans.Mixed()), new ReportRenderOptions { Color = true });

        Assert.Contains("\u001b[", colored, StringComparison.Ordinal);

        // Same content underneath the styles.
        string stripped = System.Text.RegularExpressions.Regex.Replace(colored, "\u001b\\[[0-9;]*m", string.Empty);
        Assert.Equal(plain, stripped);
    }

    [Fact]
    public void Ascii_mode_writes_only_ascii()
    {
        string text = Render(SamplePlans.Report(SamplePlans.Mixed()), new ReportRenderOptions { Unicode = false });

        Assert.All(text, c => Assert.True(c < 128, $"non-ASCII character U+{(int)c:X4}"));
        Assert.Contains("node-0 -> node-", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(120)]
    public void Lines_fit_the_width(int width)
    {
        string text = Render(SamplePlans.Report(SamplePlans.Mixed()), new ReportRenderOptions { Width = width });

        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));
    }

    [Fact]
    public void Output_is_deterministic_and_uses_newlines_without_trailing_blanks()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.Mixed());
        string first = Render(report);

        Assert.Equal(first, Render(SamplePlans.Report(SamplePlans.Mixed())));
        Assert.DoesNotContain('\r', first);
        Assert.All(first.Split('\n'), line => Assert.False(line.EndsWith(' '), $"trailing blank: '{line}'"));
        Assert.EndsWith("\n", first, StringComparison.Ordinal);
        Assert.False(first.EndsWith("\n\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Names_and_reasons_are_printed_verbatim_not_as_markup()
    {
        Plan plan = SamplePlans.Mixed();
        Plan odd = SamplePlans.With(plan, skipped: [plan.Skipped[0] with { Detail = "[red]not markup[/] [bold" }]);

        string text = Render(SamplePlans.Report(odd), new ReportRenderOptions { Color = true });

        Assert.Contains("[red]not markup[/] [bold", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_the_first_skips_and_counts_all_reasons()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.SharedLarge);
        string text = Render(report, maxSkipped: 50);

        Assert.Contains("The first 50 of 1,999 skips", text, StringComparison.Ordinal);
        Assert.Matches(@"│ Protected:LocalStorage\s+│\s+1,999 │", text);

        // Each listed skip has one line where its plugin and reason cells start; no more than the first 50 are listed.
        int listed = text.Split('\n').Count(line => line.Contains("│ RemoveDuplicates │ Protected:LocalStorage │", StringComparison.Ordinal));
        Assert.Equal(50, listed);
    }

    [Fact]
    public void A_reason_repeated_by_consecutive_evictions_is_printed_once()
    {
        string text = Render(SamplePlans.Report(SamplePlans.Mixed()));

        // web-2 and web-3 share their reason; api-1 has its own.
        Assert.Equal(1, CountOf(text, "4 replicas of shop/ReplicaSet web on node-0"));
        Assert.Equal(1, CountOf(text, "same as above"));
        Assert.Equal(1, CountOf(text, "3 replicas of default/ReplicaSet api on node-2"));
    }

    private static int CountOf(string text, string value) =>
        (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    [Fact]
    public void Notes_have_a_section_only_when_there_are_some()
    {
        Plan plan = SamplePlans.Mixed();
        Plan noted = SamplePlans.With(plan, notes: [new PlanWarning("test", "LowNodeUtilization", "no node is underutilized: nothing to do")]);

        Assert.Contains("Notes (1)\n- [test/LowNodeUtilization] no node is underutilized: nothing to do\n", Render(SamplePlans.Report(noted)), StringComparison.Ordinal);
        Assert.DoesNotContain("Notes", Render(SamplePlans.Report(plan)), StringComparison.Ordinal);
    }

    [Fact]
    public void Plugins_are_qualified_by_profile_only_when_there_are_several_profiles()
    {
        Plan plan = SamplePlans.Mixed();
        Plan twoProfiles = SamplePlans.With(plan, evictions: [.. plan.Evictions.Take(2), plan.Evictions[2] with { Profile = "strict" }]);

        string single = Render(SamplePlans.Report(plan));
        string several = Render(SamplePlans.Report(twoProfiles));

        Assert.DoesNotContain("test/RemoveDuplicates", single, StringComparison.Ordinal);
        Assert.Contains("│ test/RemoveDuplicates ", several, StringComparison.Ordinal);
        Assert.Contains("│ strict/RemoveDuplicates ", several, StringComparison.Ordinal);
    }

    [Fact]
    public void Outcomes_get_a_column_when_present()
    {
        Plan plan = SamplePlans.Mixed();
        var outcomes = new Dictionary<int, EvictionOutcome> { [plan.Evictions[0].Pod] = new("Failed", 2, "timeout") };

        string with = Render(SamplePlans.Report(plan, outcomes));
        string without = Render(SamplePlans.Report(plan));

        Assert.Contains("Outcome", with, StringComparison.Ordinal);
        Assert.Contains("Failed (2 attempts):", with, StringComparison.Ordinal);
        Assert.DoesNotContain("Outcome", without, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_narrow_widths_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextReportRenderer(new ReportRenderOptions { Width = 10 }));

    [Theory]
    [InlineData(60)]
    [InlineData(120)]
    public void The_optional_sections_fit_the_width(int width)
    {
        string text = Render(SamplePlans.Report(SamplePlans.Sections()), new ReportRenderOptions { Width = width });

        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));
        Assert.Contains("N-1 headroom", text, StringComparison.Ordinal);
        Assert.Contains("Spot share (requested cpu)", text, StringComparison.Ordinal);
        Assert.Contains("Consolidation", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_optional_sections_say_what_they_found()
    {
        string text = Render(SamplePlans.Report(SamplePlans.Sections()), new ReportRenderOptions { Unicode = false });

        Assert.Matches(@"\| node sp-0 +\| short cpu 5, memory 128Mi, pods 1 +\|", text);
        Assert.Matches(@"\| zone zone-a +\| short cpu 8, memory 256Mi, pods 2 +\|", text);
        Assert.Matches(@"\| zone zone-b +\| short cpu 8, memory 384Mi, pods 3 \(worst\) +\|", text);
        Assert.Contains("Share on spot          71.8% -> 69.2% (limit 66.0%, over)", text, StringComparison.Ordinal);
        Assert.Contains("On-demand shortfall    cpu 2, memory 128Mi", text, StringComparison.Ordinal);
        Assert.Contains("Nodes        4 -> 2 (2 nodes drained, 4 pods moved)", text, StringComparison.Ordinal);
        Assert.Contains("gap to lower bound 0", text, StringComparison.Ordinal);
        Assert.Contains("budget exhausted", text, StringComparison.Ordinal);
        Assert.Contains("| sp-1         |    3 | sp-0 (2), od-0 (1) |", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_optional_sections_are_left_out_when_absent()
    {
        string text = Render(SamplePlans.Report(SamplePlans.With(SamplePlans.Sections(), withoutSections: true)));

        Assert.DoesNotContain("N-1 headroom", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Spot share", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Consolidation", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Large_sections_list_the_first_rows_and_count_the_rest()
    {
        string text = Render(SamplePlans.Report(SamplePlans.LargeSections()), maxSkipped: 0);

        Assert.Contains("The first 20 of 500 drained nodes; the JSON report lists all.", text, StringComparison.Ordinal);
        Assert.Contains("The first 20 of 300 workloads; the JSON report lists all.", text, StringComparison.Ordinal);
        string sections = text[text.IndexOf("\nSpot share", StringComparison.Ordinal)..text.IndexOf("\nWarnings (", StringComparison.Ordinal)];
        Assert.True(CountOf(sections, "\n") < 150, sections);
    }

    [Fact]
    public void The_demo_report_sums_up_verdicts_pools_drained_nodes_and_skips_by_plugin()
    {
        PlanReport report = SamplePlans.DemoReport;
        string text = Render(report);
        ReportConsolidation consolidation = report.Consolidation!;

        string summary = text[..text.IndexOf("Evictions (", StringComparison.Ordinal)];
        Assert.Contains("N-1 node loss  survives → survives", summary, StringComparison.Ordinal);
        // Two zones are equally short before the plan and still after it (Consolidation drains two nodes of eu-west-1a,
        // which makes another zone the largest): each side names the zones it is about, so no improvement is implied.
        Assert.Contains("N-1 zone loss  short cpu 2, memory 8Gi, pods 1, nvidia.com/gpu 1 (losing eu-west-1a or eu-west-1c) → short cpu 2, memory 8Gi, pods 1, nvidia.com/gpu 1 (losing eu-west-1a or eu-west-1c)", summary, StringComparison.Ordinal);
        Assert.Contains("│ zone eu-west-1b ", text, StringComparison.Ordinal);
        Assert.Contains("Spot           56.3% → 53.1% (limit 66.0%)", summary, StringComparison.Ordinal);
        Assert.Contains("Cordon         2 nodes before the first eviction: " + consolidation.Drained[0].Node + " (Consolidation)", summary, StringComparison.Ordinal);
        Assert.Contains("Scheduler  kube-scheduler default (v1.29-v1.32): TaintToleration x3,", text, StringComparison.Ordinal);
        Assert.Contains($"Consolidation  nodes 50 → 48 (lower bound {consolidation.LowerBound}, gap {consolidation.GapToLowerBound}), 2 nodes drained", summary, StringComparison.Ordinal);

        string utilization = text[text.IndexOf("Utilization (", StringComparison.Ordinal)..text.IndexOf("N-1 headroom (", StringComparison.Ordinal)];
        foreach (PoolUtilization pool in report.UtilizationByPool)
        {
            Assert.Contains($"│ {pool.Pool}", utilization, StringComparison.Ordinal);
        }

        Assert.Contains("│ general-spot     │ eu-west-1a │     7 │       4 │       0 │ 33.9% → 27.3% │", utilization, StringComparison.Ordinal);
        Assert.Contains("After the plan, a group's drained nodes are left out", utilization, StringComparison.Ordinal);
        Assert.All(consolidation.Drained, d => Assert.Matches($"│ {Regex.Escape(d.Node!)} +│ drained", utilization));
        Assert.Matches("│ Protected:LocalStorage +│ +17 │ SpotRatio 12, Consolidation 3, RemoveDuplicates 2 +│", text);
    }
}
