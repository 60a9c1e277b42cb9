using System.Globalization;
using System.Text.RegularExpressions;
using Rebalancer.Core.Model;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// <c>--now</c>: the clock pinned so a plan can be reproduced. It is an RFC 3339 timestamp with a zone, as the help says
/// and as Kubernetes writes them (<c>2026-11-27T10:00:00Z</c>, <c>2026-11-27T11:00:00+01:00</c>): a date alone or a time
/// without a zone would be read in some zone the user did not choose, so both are refused.
/// </summary>
internal static partial class PinnedClock
{
    public const string Example = "2026-11-27T10:00:00Z";

    /// <summary>The time <paramref name="text"/> names, or null when it is not an RFC 3339 timestamp with a zone.</summary>
    public static DateTimeOffset? Parse(string? text) =>
        text is not null && Rfc3339().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time : null;

    /// <summary>Why <paramref name="text"/> is refused, for the settings validator.</summary>
    public static string Problem(string text, string origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        string what = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? "is a date without a time"
            : NoZone().IsMatch(text) ? "has no zone (add Z for UTC, or an offset such as +01:00)"
            : "is not an RFC 3339 time";
        return $"{origin}: '{text}' {what}; use an RFC 3339 time with a zone, e.g. {Example}";
    }

    /// <summary>
    /// A warning when <paramref name="now"/> is earlier than objects of the snapshot were created: the snapshot was
    /// taken after that, so the clock is probably a mistake, and those objects' ages are negative (age rules such as
    /// minPodAge and PodLifeTime treat them as not old enough). Null when every object is older.
    /// </summary>
    public static string? BeforeSnapshot(ClusterSnapshot snapshot, DateTimeOffset now, string origin)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        long instant = now.ToUnixTimeMilliseconds();
        int dated = 0;
        int later = 0;
        long oldest = long.MaxValue;
        long newest = long.MinValue;
        foreach (long[] column in new[] { snapshot.Nodes.CreationTime, snapshot.Pods.CreationTime })
        {
            foreach (long created in column)
            {
                if (created == UnixTime.None)
                {
                    continue;
                }

                dated++;
                oldest = Math.Min(oldest, created);
                newest = Math.Max(newest, created);
                if (created > instant)
                {
                    later++;
                }
            }
        }

        if (later == 0)
        {
            return null;
        }

        string at = Format(instant);
        const string Effect = "ages are negative, so age rules (minPodAge, PodLifeTime, minPodLifetimeSeconds) treat such pods as not old enough";
        return later == dated
            ? $"{origin} {at} is earlier than every object of the snapshot (the oldest was created {Format(oldest)}): {Effect}"
            : string.Create(CultureInfo.InvariantCulture,
                $"{origin} {at} is earlier than the creation of {later} of the snapshot's {dated} nodes and pods (the newest was created {Format(newest)}): their {Effect}");
    }

    private static string Format(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture);

    // RFC 3339 section 5.6 date-time: the 'T' and a zone are required; fractional seconds up to what .NET keeps.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NoZone();
}
