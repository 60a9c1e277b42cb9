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

    /// <summary>
    /// A count for people, with thousands separators (<c>15,000</c>): the one number format of the text, Markdown, HTML
    /// and explain renderings, so no count reads differently from its neighbour. JSON has plain numbers.
    /// </summary>
    public static string Count(int value) => value.ToString("#,0", CultureInfo.InvariantCulture);

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

    /// <summary>Where a warning or note comes from: <c>profile/plugin</c>, the input (<c>snapshot</c>, <c>clock</c>), or <c>plan</c> for the planner itself.</summary>
    public static string Origin(ReportMessage message) =>
        message.Plugin is not null ? Plugin(message.Profile ?? string.Empty, message.Plugin, showProfile: true) : message.Source ?? "plan";

    /// <inheritdoc cref="Count(int)"/>
    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with one decimal place: <c>0.7692</c> is <c>76.9%</c>.</summary>
    public static string Share(decimal fraction) =>
        Math.Round(fraction * 100m, 1, MidpointRounding.AwayFromZero).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// <see cref="Share"/>, with two decimals where one would print the limit for a value that differs from it (0.3003
    /// against 0.3 reads <c>30.03%</c>, not an "over the limit" <c>30.0%</c>).
    /// </summary>
    public static string ShareAgainst(decimal fraction, decimal limit)
    {
        string share = Share(fraction);
        return fraction == limit || share != Share(limit)
            ? share
            : Math.Round(fraction * 100m, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary><c>cpu 1500m, memory 1Gi, pods 2</c>; <c>none</c> for an empty list.</summary>
    public static string Amounts(IReadOnlyList<ReportAmount> amounts) =>
        amounts.Count == 0 ? "none" : string.Join(", ", amounts.Select(a => a.Resource + " " + a.Formatted));

    /// <summary><c>survives</c>, or what would find no room: <c>short cpu 1, pods 1</c>; <c>-</c> when not evaluated.</summary>
    public static string Loss(ReportLoss? loss) =>
        loss is null ? "-" : loss.Survivable ? "survives" : "short " + Amounts(loss.Shortfall);

    /// <summary>
    /// The zone verdict with the zones it is about: <c>short cpu 2, memory 8Gi (losing eu-west-1a)</c>, every zone
    /// whose loss is that short when several are (<c>losing a or c</c>), or <c>survives (any one zone)</c>; <c>-</c>
    /// when not evaluated.
    /// </summary>
    public static string ZoneLoss(ReportHeadroomVerdict? verdict)
    {
        if (verdict?.Zone is not ReportLoss worst)
        {
            return "-";
        }

        if (worst.Survivable)
        {
            return "survives (any one zone)";
        }

        List<string> zones = [.. verdict.Zones.Where(z => IsAsShort(z, worst)).Select(z => z.Failed ?? "-")];
        return $"{Loss(worst)} (losing {(zones.Count == 0 ? worst.Failed : string.Join(" or ", zones))})";
    }

    /// <summary><c>short cpu 2 (losing a) → survives (any one zone)</c>: the worst zone loss before and after, each named.</summary>
    public static string ZoneLossChange(ReportHeadroomVerdict? before, ReportHeadroomVerdict? after, string arrow) =>
        ZoneLoss(before) + " " + arrow + " " + ZoneLoss(after);

    /// <summary>
    /// One headroom row per zone, by name, with that zone's loss before and after the plan (null where the zone has no
    /// considered node, e.g. all of it drained): the same zone on both sides. <c>Worst</c> marks the zones whose loss is
    /// as short as the verdict's, when it is short.
    /// </summary>
    public static List<(string Zone, ReportLoss? Before, ReportLoss? After, bool WorstBefore, bool WorstAfter)> ZoneRows(ReportHeadroom headroom)
    {
        ArgumentNullException.ThrowIfNull(headroom);
        IEnumerable<ReportLoss> all = (headroom.Before?.Zones ?? []).Concat(headroom.After?.Zones ?? []);
        return all.Select(z => z.Failed ?? "-").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(zone => (zone, headroom.Before?.ZoneNamed(zone), headroom.After?.ZoneNamed(zone),
                IsWorst(headroom.Before, zone), IsWorst(headroom.After, zone)))
            .ToList();

        static bool IsWorst(ReportHeadroomVerdict? verdict, string zone) =>
            verdict?.Zone is ReportLoss worst && verdict.ZoneNamed(zone) is ReportLoss loss && IsAsShort(loss, worst);
    }

    /// <summary>A zone's cell in a headroom table: its loss, and <c>(worst)</c> for the zones the verdict is about.</summary>
    public static string ZoneCell(ReportLoss? loss, bool worst) => Loss(loss) + (worst ? " (worst)" : string.Empty);

    /// <summary>Both losses are short by the same amounts.</summary>
    private static bool IsAsShort(ReportLoss loss, ReportLoss worst) =>
        !loss.Survivable && !worst.Survivable && loss.Shortfall.SequenceEqual(worst.Shortfall);

    /// <summary>What fails in a headroom row: <c>node n-0</c>, both names when before and after differ.</summary>
    public static string Failed(string kind, ReportLoss? before, ReportLoss? after)
    {
        string? a = before?.Failed;
        string? b = after?.Failed;
        return kind + " " + (a is null || b is null || a == b ? a ?? b ?? "-" : a + " / " + b);
    }

    /// <summary>Where a drained node's pods go, most used target first: <c>n-1 (3), n-2 (2), +2 more</c>.</summary>
    public static string Targets(ReportDrainedNode node, int max)
    {
        List<(string Target, int Count)> targets = node.Moves
            .GroupBy(m => m.TargetNode ?? "-", StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(t => t.Item2)
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        string shown = string.Join(", ", targets.Take(max).Select(t => $"{t.Target} ({Count(t.Count)})"));
        return targets.Count > max ? shown + $", +{Count(targets.Count - max)} more" : shown;
    }

    /// <summary>
    /// The workloads below their on-demand floor before or after the plan, as rows: the before list in its order, then
    /// workloads only below after. <c>On-demand</c> is <c>ok</c> where the workload meets its floor.
    /// </summary>
    public static List<(string Workload, string Replicas, string Floor, string Before, string After)> FloorRows(ReportSpot spot)
    {
        var after = new Dictionary<string, ReportWorkload>(StringComparer.Ordinal);
        foreach (ReportWorkload w in spot.BelowFloorAfter)
        {
            after.TryAdd(w.Key, w);
        }

        var before = new HashSet<string>(spot.BelowFloorBefore.Select(w => w.Key), StringComparer.Ordinal);
        var rows = new List<(string, string, string, string, string)>();
        foreach (ReportWorkload w in spot.BelowFloorBefore)
        {
            rows.Add((w.Key, Count(w.Replicas), Count(w.Floor), Count(w.OnDemand), after.TryGetValue(w.Key, out ReportWorkload? a) ? Count(a.OnDemand) : "ok"));
        }

        foreach (ReportWorkload w in spot.BelowFloorAfter)
        {
            if (!before.Contains(w.Key))
            {
                rows.Add((w.Key, Count(w.Replicas), Count(w.Floor), "ok", Count(w.OnDemand)));
            }
        }

        return rows;
    }

    /// <summary>The plugins that skipped pods for <paramref name="reason"/>, most skips first: <c>SpotRatio 24, RemoveDuplicates 3</c>.</summary>
    public static string PluginsOf(PlanReport report, string reason, bool showProfile) => string.Join(", ", report.SkippedByPluginAndReason
        .Where(c => c.Reason == reason)
        .OrderByDescending(c => c.Count)
        .Select(c => Plugin(c.Profile, c.Plugin, showProfile) + " " + Count(c.Count)));

    /// <summary>What sets a node apart in a utilization row: <c>drained, spot</c>; empty when nothing does.</summary>
    public static string Marks(NodeUtilization node)
    {
        var marks = new List<string>(3);
        if (node.Drained)
        {
            marks.Add("drained");
        }

        if (node.Spot)
        {
            marks.Add("spot");
        }

        if (!node.Considered)
        {
            marks.Add("not considered");
        }

        return string.Join(", ", marks);
    }

    /// <summary>A pool or zone name, <c>-</c> for nodes without the label.</summary>
    public static string Label(string? value) => value ?? "-";

    /// <summary><c>survives → short cpu 1</c>: one N-1 scenario before and after, for the at-a-glance lines.</summary>
    public static string LossChange(ReportLoss? before, ReportLoss? after, string arrow) =>
        Loss(before) + " " + arrow + " " + Loss(after);

    /// <summary><c>74.1% → 65.7% (limit 66.0%, over)</c>: the spot share against its limit.</summary>
    public static string SpotChange(ReportSpot spot, string arrow) =>
        $"{ShareAgainst(spot.FractionBefore, spot.MaxSpotFraction)} {arrow} {ShareAgainst(spot.FractionAfter, spot.MaxSpotFraction)} (limit {Share(spot.MaxSpotFraction)}{(spot.FractionAfter > spot.MaxSpotFraction ? ", over" : string.Empty)})";

    /// <summary><c>50 → 48 (lower bound 41, gap 7)</c>: Consolidation's result against the best any packing could do.</summary>
    public static string NodesChange(ReportConsolidation consolidation, string arrow) =>
        $"{Count(consolidation.NodesBefore)} {arrow} {Count(consolidation.NodesAfter)} (lower bound {Count(consolidation.LowerBound)}, gap {Count(consolidation.GapToLowerBound)})";

    /// <summary>
    /// <c>2 nodes before the first eviction: a, b (Consolidation)</c>: what the plan cordons, with each node's state after
    /// a run when it is not simply "to cordon" (the first five named, the rest counted).
    /// </summary>
    public static string Cordons(IReadOnlyList<ReportNodeCordon> cordons)
    {
        const int Shown = 5;
        IEnumerable<string> names = cordons.Take(Shown).Select(c =>
        {
            string state = c.Cordon.Describe();
            return state == "to cordon" ? $"{c.Node} ({c.Plugin})" : $"{c.Node} ({c.Plugin}, {state})";
        });
        string more = cordons.Count > Shown ? $" and {Count(cordons.Count - Shown)} more" : string.Empty;
        return $"{Plural(cordons.Count, "node", "nodes")} before the first eviction: {string.Join(", ", names)}{more}";
    }

    /// <summary>
    /// <c>412 containers over 7d (step 5m) from http://prometheus:9090, median coverage 100%; 4 running pods without series</c>:
    /// the usage history in one line.
    /// </summary>
    public static string UsageHistory(ReportUsageHistory history)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Plural(history.Containers, "container", "containers")} over {history.Window} (step {history.Step}) from {history.Source}");
        if (history.MedianCoveragePercent is decimal coverage)
        {
            text.Append(CultureInfo.InvariantCulture, $", median coverage {coverage:0.#}%");
        }

        var faults = new List<string>();
        if (history.RunningPodsWithoutSeries > 0)
        {
            faults.Add($"{Plural(history.RunningPodsWithoutSeries, "running pod", "running pods")} without series");
        }

        if (history.ContainersWithGaps > 0)
        {
            faults.Add($"{Plural(history.ContainersWithGaps, "container", "containers")} with gaps");
        }

        if (history.OomKilledContainers > 0)
        {
            faults.Add($"{Plural(history.OomKilledContainers, "container", "containers")} OOM-killed");
        }

        return faults.Count == 0 ? text.ToString() : text.Append("; ").Append(string.Join(", ", faults)).ToString();
    }

    public static string Outcome(EvictionOutcome? outcome) => outcome is null
        ? "-"
        : outcome.Outcome + " (" + Plural(outcome.Attempts, "attempt", "attempts") + ")" + (outcome.Message is { Length: > 0 } m ? ": " + m : string.Empty);
}
