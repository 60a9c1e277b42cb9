namespace Rebalancer.Reporting;

/// <summary>Writes a <see cref="PlanReport"/> in one format. Renderers are stateless and write only to the given writer.</summary>
public interface IReportRenderer
{
    /// <summary>The format name the CLI's <c>--output</c> accepts (<c>text</c>, <c>json</c>, <c>markdown</c>, <c>html</c>).</summary>
    string Format { get; }

    void Render(PlanReport report, TextWriter output);
}
