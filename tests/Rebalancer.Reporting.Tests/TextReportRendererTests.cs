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

        Assert.Contains("The first 50 of 1999 skips", text, StringComparison.Ordinal);
        Assert.Matches(@"│ Protected:LocalStorage\s+│\s+1999 │", text);

        // Each skipped pod is listed on one row of the skip table; no more than the first 50 are.
        int listed = text.Split('\n').Count(line => line.Contains("/stateful-cache-", StringComparison.Ordinal));
        Assert.Equal(50, listed);
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
}
