namespace Rebalancer.Core.Policy;

/// <summary>
/// Parses Go duration strings (<c>time.ParseDuration</c>), the format of every duration in the descheduler's policy
/// (<c>metav1.Duration</c>, e.g. DefaultEvictor's <c>minPodAge</c>): a sequence of decimal numbers, each with an
/// optional fraction and a unit, such as <c>"300ms"</c>, <c>"1.5h"</c>, <c>"2h45m"</c> or <c>"-1m"</c>.
/// Units are <c>ns</c>, <c>us</c> (or <c>µs</c>, <c>μs</c>), <c>ms</c>, <c>s</c>, <c>m</c> and <c>h</c>; there is no
/// day unit, and a bare number other than <c>0</c> is an error. A file that the descheduler accepts must parse to the
/// same value here, so this follows Go's grammar and its overflow rules rather than <see cref="TimeSpan.Parse(string)"/>.
/// </summary>
public static class GoDuration
{
    /// <summary>The units, for error messages.</summary>
    public const string Units = "ns, us, ms, s, m, h";

    // Go computes in unsigned nanoseconds and allows magnitudes up to 1<<63 (the magnitude of long.MinValue).
    private const ulong MaxMagnitude = 1UL << 63;

    /// <summary>
    /// Parses <paramref name="text"/>. The result has the resolution of <see cref="TimeSpan"/> (100 ns): finer digits
    /// are truncated toward zero, which no policy value can notice.
    /// </summary>
    /// <param name="error">Why the text is not a duration (without the text itself), when this returns false.</param>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        if (!TryParseNanoseconds(text, out long nanoseconds, out error))
        {
            return false;
        }

        value = TimeSpan.FromTicks(nanoseconds / TimeSpan.NanosecondsPerTick);
        return true;
    }

    /// <summary>Parses <paramref name="text"/> to whole nanoseconds, exactly as Go's <c>time.ParseDuration</c>.</summary>
    public static bool TryParseNanoseconds(string text, out long nanoseconds, out string error)
    {
        nanoseconds = 0;
        error = string.Empty;
        ReadOnlySpan<char> s = text;
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        // "0" is the only number allowed without a unit; an empty string is not a duration.
        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            error = "a duration needs a number and a unit (" + Units + ")";
            return false;
        }

        ulong total = 0;
        while (!s.IsEmpty)
        {
            if (s[0] != '.' && !char.IsAsciiDigit(s[0]))
            {
                error = $"expected a number at '{s}'";
                return false;
            }

            int before = s.Length;
            if (!TryLeadingInt(ref s, out ulong whole))
            {
                error = "the value is too large";
                return false;
            }

            bool hasWhole = s.Length != before;
            ulong fraction = 0;
            double scale = 1;
            bool hasFraction = false;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                before = s.Length;
                LeadingFraction(ref s, out fraction, out scale);
                hasFraction = s.Length != before;
            }

            if (!hasWhole && !hasFraction)
            {
                error = "a '.' must be next to a digit";
                return false;
            }

            int unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }

            if (unitLength == 0)
            {
                error = "missing unit (" + Units + ")";
                return false;
            }

            ReadOnlySpan<char> unitText = s[..unitLength];
            s = s[unitLength..];
            ulong unit = UnitNanoseconds(unitText);
            if (unit == 0)
            {
                error = $"unknown unit '{unitText}' (valid units: {Units})";
                return false;
            }

            if (whole > MaxMagnitude / unit)
            {
                error = "the value is too large";
                return false;
            }

            whole *= unit;
            if (fraction > 0)
            {
                // Same float arithmetic as Go, so "1.1h" gives exactly the nanoseconds the descheduler computes.
                whole += (ulong)(fraction * (unit / scale));
                if (whole > MaxMagnitude)
                {
                    error = "the value is too large";
                    return false;
                }
            }

            total += whole;
            if (total > MaxMagnitude)
            {
                error = "the value is too large";
                return false;
            }
        }

        if (negative)
        {
            nanoseconds = total == MaxMagnitude ? long.MinValue : -(long)total;
            return true;
        }

        if (total > long.MaxValue)
        {
            error = "the value is too large";
            return false;
        }

        nanoseconds = (long)total;
        return true;
    }

    private static ulong UnitNanoseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 1,
        "us" or "\u00b5s" or "\u03bcs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60UL * 1_000_000_000,
        "h" => 3_600UL * 1_000_000_000,
        _ => 0,
    };

    private static bool TryLeadingInt(ref ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        int i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (value > MaxMagnitude / 10)
            {
                return false;
            }

            value = (value * 10) + (ulong)(s[i] - '0');
            if (value > MaxMagnitude)
            {
                return false;
            }
        }

        s = s[i..];
        return true;
    }

    /// <summary>Go's leadingFraction: digits past the precision of the accumulator are consumed and ignored.</summary>
    private static void LeadingFraction(ref ReadOnlySpan<char> s, out ulong value, out double scale)
    {
        value = 0;
        scale = 1;
        bool overflow = false;
        int i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (overflow)
            {
                continue;
            }

            if (value > long.MaxValue / 10)
            {
                overflow = true;
                continue;
            }

            ulong next = (value * 10) + (ulong)(s[i] - '0');
            if (next > MaxMagnitude)
            {
                overflow = true;
                continue;
            }

            value = next;
            scale *= 10;
        }

        s = s[i..];
    }
}
