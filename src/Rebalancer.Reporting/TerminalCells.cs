using Spectre.Console;

namespace Rebalancer.Reporting;

/// <summary>The terminal building blocks the text report and the explain output share: styles, tables, grids and cells.</summary>
internal static class TerminalCells
{
    public static readonly Style Heading = new(decoration: Decoration.Bold);
    public static readonly Style Dim = new(decoration: Decoration.Dim);
    public static readonly Style Good = new(Color.Green);
    public static readonly Style Caution = new(Color.Yellow);
    public static readonly Style Bad = new(Color.Red);

    /// <summary>
    /// The console width when no wrapping is wanted: wider than any row a report has (tables are laid out to their
    /// content, not stretched), yet far from int.MaxValue so Spectre's column arithmetic cannot overflow.
    /// </summary>
    private const int Unbounded = 1 << 20;

    /// <summary>Rounded borders where the output is Unicode, plain ASCII otherwise (CronJob logs, some CI consoles).</summary>
    public static Table NewTable(bool unicode) => new Table().Border(unicode ? TableBorder.Rounded : TableBorder.Ascii);

    public static Grid KeyValueGrid() =>
        new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();

    public static void AddRow(Grid grid, string key, string value, Style? style = null) =>
        grid.AddRow(new Text(key, Dim), new Text(value, style ?? Style.Plain));

    public static TableColumn Column(string header, bool right = false)
    {
        var column = new TableColumn(new Text(header, Heading));
        return right ? column.RightAligned() : column;
    }

    /// <summary>
    /// Renders into a buffer first: trailing blanks (Spectre pads grid cells) are trimmed and line ends become "\n", so a
    /// copied report or a golden file does not change with the OS or an editor's whitespace settings.
    /// </summary>
    public static void Render(TextWriter output, ReportRenderOptions options, Action<IAnsiConsole> write)
    {
        using var buffer = new StringWriter();
        write(CreateConsole(buffer, options));
        foreach (string line in buffer.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
        {
            output.Write(line.TrimEnd(' '));
            output.Write('\n');
        }
    }

    /// <summary>A console with every capability Spectre would otherwise detect fixed from the options, so output depends on the report alone.</summary>
    private static IAnsiConsole CreateConsole(TextWriter writer, ReportRenderOptions options)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = options.Color ? AnsiSupport.Yes : AnsiSupport.No,

            // The 16 standard colours are all the reports use and every colour terminal has them; detecting more
            // would make the escapes depend on COLORTERM.
            ColorSystem = options.Color ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,

            // No CI-specific profile tweaks and no environment lookups: the caller has decided everything already.
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
            EnvironmentVariables = new Dictionary<string, string>(),
        });
        console.Profile.Width = options.Width ?? Unbounded;
        console.Profile.Capabilities.Unicode = options.Unicode;
        return console;
    }

    /// <summary>Cells are <see cref="Text"/>, never markup: reasons and names may contain '[' and must print as they are.</summary>
    public static Text Cell(string value, Style? style = null) => new(value, style ?? Style.Plain);
}
