namespace Rebalancer.Reporting;

/// <summary>Presentation settings; only the text renderer reads them (JSON, Markdown and HTML have one fixed form).</summary>
public sealed record ReportRenderOptions
{
    public static readonly ReportRenderOptions Default = new();

    /// <summary>ANSI colours and styles. The CLI turns this on only when writing to a terminal.</summary>
    public bool Color { get; init; }

    /// <summary>Columns to lay tables out in. Fixed (not detected) so that piped output and golden files are stable.</summary>
    public int Width { get; init; } = TextReportRenderer.DefaultWidth;

    /// <summary>Box-drawing borders and arrows; false falls back to ASCII for terminals without Unicode.</summary>
    public bool Unicode { get; init; } = true;
}

/// <summary>The renderers by format name, for the CLI's <c>--output</c> option.</summary>
public static class ReportRenderers
{
    public const string Text = "text";
    public const string Json = "json";
    public const string Markdown = "markdown";
    public const string Html = "html";

    /// <summary>The accepted format names, in the order help texts list them.</summary>
    public static IReadOnlyList<string> Formats { get; } = [Text, Json, Markdown, Html];

    /// <summary>The renderer of <paramref name="format"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The format is not one of <see cref="Formats"/>; the message lists them.</exception>
    public static IReportRenderer Get(string format, ReportRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        return format.ToLowerInvariant() switch
        {
            Text => new TextReportRenderer(options ?? ReportRenderOptions.Default),
            Json => new JsonReportRenderer(),
            Markdown => new MarkdownReportRenderer(),
            Html => new HtmlReportRenderer(),
            _ => throw new ArgumentException($"Unknown report format '{format}'; allowed: {string.Join(", ", Formats)}.", nameof(format)),
        };
    }
}
