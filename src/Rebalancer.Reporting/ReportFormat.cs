using System.Globalization;

namespace Rebalancer.Reporting;

/// <summary>The few value formats every renderer shares, so a timestamp or a percentage reads the same in all of them.</summary>
internal static class ReportFormat
{
    /// <summary>RFC 3339 in UTC with a <c>Z</c>; fractional seconds only when present (the F specifiers drop trailing zeros and the dot).</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>80.0%</c>, or <c>n/a</c> for a node without allocatable amount of the resource.</summary>
    public static string Percent(decimal? value) =>
        value is decimal d ? d.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary><c>80.0% → 60.0%</c>, or just <c>80.0%</c> when the rounded value did not move.</summary>
    public static string Change(decimal? before, decimal? after, string arrow) =>
        before == after ? Percent(before) : Percent(before) + " " + arrow + " " + Percent(after);

    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"1 node", "2 nodes": English plurals for the counted nouns the reports use.</summary>
    public static string Plural(int count, string singular, string plural) =>
        Count(count) + " " + (count == 1 ? singular : plural);

    /// <summary>The plugin as a reader needs it: the profile is only noise when the report has a single profile.</summary>
    public static string Plugin(string profile, string plugin, bool showProfile) =>
        showProfile && profile.Length > 0 ? profile + "/" + plugin : plugin;

    public static bool HasSeveralProfiles(PlanReport report) =>
        report.Summary.EvictionsByPlugin.Select(p => p.Profile)
            .Concat(report.Evictions.Select(e => e.Profile))
            .Concat(report.Skipped.Select(s => s.Profile))
            .Distinct(StringComparer.Ordinal)
            .Skip(1)
            .Any();

    /// <summary>Where a warning or note comes from: <c>profile/plugin</c>, or <c>plan</c> for the planner itself.</summary>
    public static string Origin(ReportMessage message) =>
        message.Plugin is null ? "plan" : Plugin(message.Profile ?? string.Empty, message.Plugin, showProfile: true);

    public static string Outcome(EvictionOutcome? outcome) => outcome is null
        ? "-"
        : outcome.Outcome + " (" + Plural(outcome.Attempts, "attempt", "attempts") + ")" + (outcome.Message is { Length: > 0 } m ? ": " + m : string.Empty);
}
