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
        Assert.Contains("_The first 50 of 2700 evictions are shown here; the JSON report lists all._", markdown, StringComparison.Ordinal);
        Assert.Equal(50, markdown.Split('\n').Count(l => l.Contains("/frontend-deployment-", StringComparison.Ordinal)));
        Assert.Contains("| `Protected:LocalStorage` | 1999 |", markdown, StringComparison.Ordinal);
        Assert.Contains("<details><summary>Skipped pods (1999)</summary>", markdown, StringComparison.Ordinal);
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
}
