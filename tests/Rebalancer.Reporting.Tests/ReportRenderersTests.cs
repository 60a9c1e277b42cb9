namespace Rebalancer.Reporting.Tests;

public sealed class ReportRenderersTests
{
    [Theory]
    [InlineData("text", typeof(TextReportRenderer))]
    [InlineData("json", typeof(JsonReportRenderer))]
    [InlineData("markdown", typeof(MarkdownReportRenderer))]
    [InlineData("html", typeof(HtmlReportRenderer))]
    [InlineData("JSON", typeof(JsonReportRenderer))]
    public void Returns_the_renderer_of_a_format(string format, Type expected)
    {
        IReportRenderer renderer = ReportRenderers.Get(format);

        Assert.IsType(expected, renderer);
        Assert.Equal(format.ToLowerInvariant(), renderer.Format);
    }

    [Fact]
    public void Every_listed_format_resolves() =>
        Assert.All(ReportRenderers.Formats, f => Assert.Equal(f, ReportRenderers.Get(f).Format));

    [Fact]
    public void Unknown_formats_are_refused_with_the_allowed_names()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => ReportRenderers.Get("yaml"));

        Assert.Contains("'yaml'", error.Message, StringComparison.Ordinal);
        Assert.Contains("text, json, markdown, html", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_reach_the_text_renderer()
    {
        IReportRenderer renderer = ReportRenderers.Get("text", new ReportRenderOptions { Color = true });

        Assert.Contains("\u001b[", SamplePlans.Render(renderer, SamplePlans.Report(SamplePlans.Mixed())), StringComparison.Ordinal);
    }
}
