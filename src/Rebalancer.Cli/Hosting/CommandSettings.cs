using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.ComponentModel;

namespace Rebalancer.Cli.Hosting;

/// <summary>Settings every command has. Property names are the options' names in PascalCase (<c>--trace-console</c> → <c>TraceConsole</c>).</summary>
internal class CommandSettings
{
    /// <summary>Print each finished span on standard error (a laptop's trace viewer).</summary>
    public bool TraceConsole { get; set; }
}

/// <summary>
/// Where a command's settings come from, highest first: the command line, then <c>REBALANCER_*</c> environment
/// variables (<c>--max-concurrency</c> ↔ <c>REBALANCER_MAX_CONCURRENCY</c>), then the settings' defaults. The result
/// is configuration under <see cref="Section"/>, plus where each value came from so a message names it.
/// </summary>
internal static class SettingsSources
{
    public const string Section = "Rebalancer";

    public static string KeyOf(Option option) =>
        string.Concat(option.Name.TrimStart('-').Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    public static string VariableOf(Option option) => "REBALANCER_" + option.Name.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    public static SettingsValues Collect(ParseResult parse, IReadOnlyDictionary<string, string?> environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var origins = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (Option option in parse.CommandResult.Command.Options)
        {
            if (option is HelpOption or VersionOption)
            {
                continue;
            }

            string key = KeyOf(option);
            origins[key] = option.Name;
            if (parse.GetResult(option) is { Implicit: false } result)
            {
                values[$"{Section}:{key}"] = Format(result.GetValueOrDefault<object?>());
                continue;
            }

            string variable = VariableOf(option);
            if (environment.TryGetValue(variable, out string? text) && !string.IsNullOrEmpty(text))
            {
                origins[key] = variable;
                if (Converts(option.ValueType, text))
                {
                    values[$"{Section}:{key}"] = text;
                }
                else
                {
                    problems.Add($"{variable}: '{text}' is not {Describe(option.ValueType)}");
                }
            }
        }

        return new SettingsValues(values, new SettingsOrigins(origins), problems);
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    // The configuration binder converts with the type's TypeConverter; checking the same way here turns a bad value
    // into one of the start-up problems instead of an exception from deep inside the options factory.
    private static bool Converts(Type type, string text)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            return true;
        }

        try
        {
            return TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text) is not null;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(bool) ? "true or false" : target == typeof(int) ? "an integer" : "a number";
    }
}

/// <summary>A command's settings as configuration values, where each came from, and values that could not be converted.</summary>
internal sealed record SettingsValues(IReadOnlyDictionary<string, string?> Values, SettingsOrigins Origins, IReadOnlyList<string> Problems);

/// <summary>Names where a setting came from (<c>--page-size</c> or <c>REBALANCER_PAGE_SIZE</c>), for messages.</summary>
internal sealed class SettingsOrigins(IReadOnlyDictionary<string, string> origins)
{
    public string this[string key] => origins.TryGetValue(key, out string? origin) ? origin : key;
}
