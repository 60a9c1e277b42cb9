using System.Globalization;
using System.Text;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Usage;

/// <summary>
/// Durations of the usage history (<c>--history 7d</c>, <c>usageHistory.step: 5m</c>): any Go duration
/// (<see cref="GoDuration"/>: <c>168h</c>, <c>90m</c>, <c>1h30m</c>), plus the day and week units Prometheus and
/// every operator use for windows (<c>7d</c>, <c>2w</c>, <c>1d12h</c>). Formatted back the short way (<c>7d</c>,
/// <c>36h</c>, <c>5m</c>) and into PromQL as whole seconds, which every Prometheus-compatible server parses.
/// </summary>
public static class Durations
{
    public const string Units = "w, d, h, m, s, ms, us, ns";

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says why not (without the text) when false.</summary>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = TimeSpan.Zero;
        var go = new StringBuilder(text.Length + 8);
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        if (s.IsEmpty)
        {
            error = "a duration needs a number and a unit (" + Units + ")";
            return false;
        }

        // Rewrite each day or week term as hours, exactly (decimal), and leave the rest to Go's grammar.
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            bool dayOrWeek = i > start && i < s.Length && (s[i] == 'd' || s[i] == 'w');
            if (dayOrWeek)
            {
                if (!decimal.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
                {
                    error = $"'{s[start..i]}' is not a number";
                    return false;
                }

                decimal hours;
                try
                {
                    hours = number * (s[i] == 'd' ? 24 : 168);
                }
                catch (OverflowException)
                {
                    error = "the value is too large";
                    return false;
                }

                go.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
                i++;
                continue;
            }

            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            go.Append(s[start..i]);
        }

        if (!GoDuration.TryParse(go.ToString(), out value, out error))
        {
            error = error.Replace(GoDuration.Units, Units, StringComparison.Ordinal);
            return false;
        }

        return true;
    }

    /// <summary>The short form: the largest units that divide it (<c>7d</c>, <c>1d12h</c>, <c>5m</c>, <c>90s</c>).</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        long ticks = value.Ticks;
        Append(ref ticks, TimeSpan.TicksPerDay, "d", text);
        Append(ref ticks, TimeSpan.TicksPerHour, "h", text);
        Append(ref ticks, TimeSpan.TicksPerMinute, "m", text);
        Append(ref ticks, TimeSpan.TicksPerSecond, "s", text);
        Append(ref ticks, TimeSpan.TicksPerMillisecond, "ms", text);
        return text.Length == 0 ? "0s" : text.ToString();
    }

    /// <summary>A PromQL duration: whole seconds (the history's durations are validated to be whole seconds).</summary>
    public static string ToPromQL(TimeSpan value) =>
        ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";

    private static void Append(ref long ticks, long unit, string name, StringBuilder text)
    {
        long count = ticks / unit;
        if (count > 0)
        {
            text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(name);
            ticks -= count * unit;
        }
    }
}
