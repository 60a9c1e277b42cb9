namespace Rebalancer.Reporting.Tests;

/// <summary>Whole reports against the files under Golden/ (see <see cref="GoldenFile"/> for how to update them).</summary>
public sealed class GoldenReportTests
{
    [Fact]
    public void Text_report_of_the_mixed_plan() =>
        GoldenFile.Verify("mixed.txt", SamplePlans.Render(new TextReportRenderer(), SamplePlans.Report(SamplePlans.Mixed())));

    [Fact]
    public void Ascii_text_report_of_the_mixed_plan() =>
        GoldenFile.Verify("mixed-ascii.txt", SamplePlans.Render(
            new TextReportRenderer(new ReportRenderOptions { Unicode = false, Width = 100 }), SamplePlans.Report(SamplePlans.Mixed())));

    [Fact]
    public void Json_report_of_the_mixed_plan() =>
        GoldenFile.Verify("mixed.json", SamplePlans.Render(new JsonReportRenderer(), SamplePlans.Report(SamplePlans.Mixed())));

    [Fact]
    public void Markdown_report_of_the_mixed_plan() =>
        GoldenFile.Verify("mixed.md", SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(SamplePlans.Mixed())));

    [Fact]
    public void Text_report_of_the_optional_sections() =>
        GoldenFile.Verify("sections.txt", SamplePlans.Render(new TextReportRenderer(), SamplePlans.Report(SamplePlans.Sections())));

    [Fact]
    public void Json_report_of_the_optional_sections() =>
        GoldenFile.Verify("sections.json", SamplePlans.Render(new JsonReportRenderer(), SamplePlans.Report(SamplePlans.Sections())));

    [Fact]
    public void Markdown_report_of_the_optional_sections() =>
        GoldenFile.Verify("sections.md", SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(SamplePlans.Sections())));

    [Fact]
    public void Text_report_of_an_empty_plan() =>
        GoldenFile.Verify("empty.txt", SamplePlans.Render(new TextReportRenderer(), SamplePlans.Report(SamplePlans.Empty())));

    [Fact]
    public void Json_report_of_an_empty_plan() =>
        GoldenFile.Verify("empty.json", SamplePlans.Render(new JsonReportRenderer(), SamplePlans.Report(SamplePlans.Empty())));

    [Fact]
    public void Markdown_report_of_an_empty_plan() =>
        GoldenFile.Verify("empty.md", SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.Report(SamplePlans.Empty())));

    [Fact]
    public void Html_report_of_the_optional_sections() =>
        GoldenFile.Verify("sections.html", SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.Report(SamplePlans.Sections())));

    [Fact]
    public void Html_report_of_an_empty_plan() =>
        GoldenFile.Verify("empty.html", SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.Report(SamplePlans.Empty())));

    // The demo snapshot and policy (samples/): a realistic plan with every section, in all four formats.
    [Fact]
    public void Text_report_of_the_demo_plan() =>
        GoldenFile.Verify("demo.txt", SamplePlans.Render(new TextReportRenderer(), SamplePlans.DemoReport));

    // The same at a 120-column terminal: long names and reasons wrap inside their cells (only ever on a terminal).
    [Fact]
    public void Text_report_of_the_demo_plan_at_a_terminal_width() =>
        GoldenFile.Verify("demo-120.txt", SamplePlans.Render(new TextReportRenderer(new ReportRenderOptions { Width = 120 }), SamplePlans.DemoReport));

    [Fact]
    public void Json_report_of_the_demo_plan() =>
        GoldenFile.Verify("demo.json", SamplePlans.Render(new JsonReportRenderer(), SamplePlans.DemoReport));

    [Fact]
    public void Markdown_report_of_the_demo_plan() =>
        GoldenFile.Verify("demo.md", SamplePlans.Render(new MarkdownReportRenderer(), SamplePlans.DemoReport));

    [Fact]
    public void Html_report_of_the_demo_plan() =>
        GoldenFile.Verify("demo.html", SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.DemoReport));
}
