namespace Rebalancer.Reporting;

/// <summary>Presentation settings; only the text renderer reads them (JSON, Markdown and HTML have one fixed form).</summary>
public sealed record ReportRenderOptions
{
    public static readonly ReportRenderOptions Default = new();

    /// <summary>ANSI colours and styles. The CLI turns this on only when writing to a terminal.</summary>
    public bool Color { get; init; }

    /// <summary>
    /// Columns to lay tables out in, at least <see cref="TextReportRenderer.MinimumWidth"/>; a long name or reason then
    /// wraps inside its cell. Null (the default) lays every table out as wide as its content, so nothing wraps: what
    /// piped output, files and logs need, where a node name broken across lines cannot be searched for or copied. Never
    /// detected here: the CLI passes the terminal's width only when writing to a terminal.
    /// </summary>
    public int? Width { get; init; }

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

    /// <summary>The usual file extension of <paramref name="format"/>, without the dot (<c>txt</c>, <c>json</c>, <c>md</c>, <c>html</c>).</summary>
    /// <exception cref="ArgumentException">The format is not one of <see cref="Formats"/>.</exception>
    public static string FileExtension(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        return format.ToLowerInvariant() switch
        {
            Text => "txt",
            Json => "json",
            Markdown => "md",
            Html => "html",
            _ => throw new ArgumentException($"Unknown report format '{format}'; allowed: {string.Join(", ", Formats)}.", nameof(format)),
        };
    }
}
