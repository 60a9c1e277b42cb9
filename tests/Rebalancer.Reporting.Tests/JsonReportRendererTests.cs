using System.Text.Json;
using Rebalancer.Core.Planning;

namespace Rebalancer.Reporting.Tests;

public sealed class JsonReportRendererTests
{
    private static JsonDocument Parse(PlanReport report) =>
        JsonDocument.Parse(SamplePlans.Render(new JsonReportRenderer(), report));

    private static IEnumerable<string> Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name);

    public static TheoryData<string> Plans => ["mixed", "empty", "large", "sections"];

    private static Plan PlanNamed(string name) => name switch
    {
        "mixed" => SamplePlans.Mixed(),
        "empty" => SamplePlans.Empty(),
        "sections" => SamplePlans.Sections(),
        _ => SamplePlans.SharedLarge,
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void Parses_and_its_numbers_match_the_report(string name)
    {
        PlanReport report = SamplePlans.Report(PlanNamed(name));
        using JsonDocument document = Parse(report);
        JsonElement root = document.RootElement;
        JsonElement summary = root.GetProperty("summary");

        Assert.Equal(JsonReportRenderer.ApiVersion, root.GetProperty("apiVersion").GetString());
        Assert.Equal(JsonReportRenderer.Kind, root.GetProperty("kind").GetString());
        Assert.Equal(report.Summary.Nodes, summary.GetProperty("nodes").GetInt32());
        Assert.Equal(report.Summary.ConsideredNodes, summary.GetProperty("consideredNodes").GetInt32());
        Assert.Equal(report.Summary.Pods, summary.GetProperty("pods").GetInt32());
        Assert.Equal(report.Summary.RunningPods, summary.GetProperty("runningPods").GetInt32());

        int evictions = summary.GetProperty("evictions").GetInt32();
        Assert.Equal(report.Evictions.Count, evictions);
        Assert.Equal(evictions, root.GetProperty("evictions").GetArrayLength());
        Assert.Equal(evictions, summary.GetProperty("evictionsByPlugin").EnumerateArray().Sum(p => p.GetProperty("evictions").GetInt32()));

        int skipped = summary.GetProperty("skipped").GetInt32();
        Assert.Equal(report.Skipped.Count, skipped);
        Assert.Equal(skipped, root.GetProperty("skipped").GetArrayLength());
        Assert.Equal(skipped, summary.GetProperty("skippedByReason").EnumerateObject().Sum(r => r.Value.GetInt32()));
        foreach (JsonProperty reason in summary.GetProperty("skippedByReason").EnumerateObject())
        {
            Assert.Equal(reason.Value.GetInt32(), root.GetProperty("skipped").EnumerateArray().Count(s => s.GetProperty("reason").GetString() == reason.Name));
        }

        Assert.Equal(report.Warnings.Count, summary.GetProperty("warnings").GetInt32());
        Assert.Equal(report.Warnings.Count, root.GetProperty("warnings").GetArrayLength());
        Assert.Equal(report.Summary.Nodes, summary.GetProperty("utilization").GetArrayLength());

        // Evictions in execution order, names resolved.
        Assert.Equal(report.Evictions.Select(e => e.Uid), root.GetProperty("evictions").EnumerateArray().Select(e => e.GetProperty("uid").GetString()));
    }

    [Fact]
    public void Members_are_written_in_the_documented_order()
    {
        using JsonDocument document = Parse(SamplePlans.Report(SamplePlans.Mixed()));
        JsonElement root = document.RootElement;

        Assert.Equal(["apiVersion", "kind", "metadata", "summary", "evictions", "skipped", "warnings", "notes", "cordons", "headroom"], Names(root));
        Assert.Equal(["mode", "source", "policy", "policyDigest", "now", "version", "scheduler"], Names(root.GetProperty("metadata")));
        Assert.Equal(["name", "default", "plugins"], Names(root.GetProperty("metadata").GetProperty("scheduler")));
        JsonElement plugins = root.GetProperty("metadata").GetProperty("scheduler").GetProperty("plugins");
        Assert.Equal(["name", "weight", "settings"], Names(plugins[2]));
        Assert.Equal(["name", "weight", "notModelled"], Names(plugins[plugins.GetArrayLength() - 1]));
        Assert.Equal(
            ["nodes", "consideredNodes", "pods", "runningPods", "evictions", "skipped", "warnings", "evictionsByPlugin", "skippedByReason", "utilization", "utilizationByPool"],
            Names(root.GetProperty("summary")));
        Assert.Equal(["node", "changed", "before", "after", "pool", "zone", "spot", "considered", "drained"], Names(root.GetProperty("summary").GetProperty("utilization")[0]));
        Assert.Equal(
            ["pool", "zone", "nodes", "consideredNodes", "spotNodes", "changedNodes", "drainedNodes", "before", "after"],
            Names(root.GetProperty("summary").GetProperty("utilizationByPool")[0]));
        Assert.Equal(["cpu", "memory", "pods"], Names(root.GetProperty("summary").GetProperty("utilization")[0].GetProperty("before")));
        Assert.Equal(["namespace", "name", "uid", "node", "targetNode", "profile", "plugin", "reason"], Names(root.GetProperty("evictions")[0]));
        Assert.Equal(["namespace", "name", "uid", "node", "profile", "plugin", "reason", "detail"], Names(root.GetProperty("skipped")[0]));
        Assert.Equal(["profile", "plugin", "message"], Names(root.GetProperty("warnings")[0]));
        Assert.Equal("2026-06-01T00:00:00Z", root.GetProperty("metadata").GetProperty("now").GetString());
    }

    [Fact]
    public void Optional_sections_follow_in_the_documented_order()
    {
        using JsonDocument document = Parse(SamplePlans.Report(SamplePlans.Sections()));
        JsonElement root = document.RootElement;

        Assert.Equal(["apiVersion", "kind", "metadata", "summary", "evictions", "skipped", "warnings", "notes", "cordons", "headroom", "spot", "consolidation"], Names(root));
        JsonElement headroom = root.GetProperty("headroom");
        Assert.Equal(["before", "after"], Names(headroom));
        Assert.Equal(["nodeLoss", "zoneLoss", "zones"], Names(headroom.GetProperty("before")));
        Assert.Equal(["zone-a", "zone-b"], headroom.GetProperty("before").GetProperty("zones").EnumerateArray().Select(z => z.GetProperty("zone").GetString()));
        Assert.Equal(["zone", "survivable", "shortfall"], Names(headroom.GetProperty("before").GetProperty("zones")[0]));
        Assert.Equal(["node", "survivable", "shortfall"], Names(headroom.GetProperty("before").GetProperty("nodeLoss")));
        Assert.Equal(["zone", "survivable", "shortfall"], Names(headroom.GetProperty("before").GetProperty("zoneLoss")));
        Assert.Equal(["cpu", "memory", "pods"], Names(headroom.GetProperty("before").GetProperty("nodeLoss").GetProperty("shortfall")));
        Assert.Equal(5000, headroom.GetProperty("before").GetProperty("nodeLoss").GetProperty("shortfall").GetProperty("cpu").GetInt64());

        JsonElement spot = root.GetProperty("spot");
        Assert.Equal(["resource", "maxSpotFraction", "fractionBefore", "fractionAfter", "belowFloorBefore", "belowFloorAfter", "shortfall"], Names(spot));
        Assert.Equal("0.6600", spot.GetProperty("maxSpotFraction").GetRawText());
        Assert.Equal("0.7179", spot.GetProperty("fractionBefore").GetRawText());
        Assert.Equal(["namespace", "kind", "name", "replicas", "onDemand", "floor"], Names(spot.GetProperty("belowFloorBefore")[0]));
        Assert.Equal(["cpu", "memory"], Names(spot.GetProperty("shortfall")));

        JsonElement consolidation = root.GetProperty("consolidation");
        Assert.Equal(
            ["nodesBefore", "nodesAfter", "lowerBound", "firstFitDecreasing", "gapToLowerBound", "candidates", "searchSteps", "budgetExhausted", "drained"],
            Names(consolidation));
        Assert.Equal(["node", "weight", "moves"], Names(consolidation.GetProperty("drained")[0]));
        Assert.Equal(["namespace", "name", "targetNode"], Names(consolidation.GetProperty("drained")[0].GetProperty("moves")[0]));
        Assert.Equal(0, consolidation.GetProperty("gapToLowerBound").GetInt32());
    }

    [Fact]
    public void Optional_sections_are_omitted_when_absent_and_a_zone_verdict_is_null_without_zones()
    {
        using JsonDocument without = Parse(SamplePlans.Report(SamplePlans.With(SamplePlans.Mixed(), withoutSections: true)));
        using JsonDocument mixed = Parse(SamplePlans.Report(SamplePlans.Mixed()));

        Assert.Equal("cordons", Names(without.RootElement).Last());
        Assert.Equal(JsonValueKind.Null, mixed.RootElement.GetProperty("headroom").GetProperty("after").GetProperty("zoneLoss").ValueKind);
        Assert.Empty(Names(mixed.RootElement.GetProperty("headroom").GetProperty("after").GetProperty("nodeLoss").GetProperty("shortfall")));
    }

    [Fact]
    public void Notes_are_listed_apart_from_warnings()
    {
        Plan plan = SamplePlans.Mixed();
        Plan noted = SamplePlans.With(plan, notes: [new PlanWarning("test", "LowNodeUtilization", "no node is underutilized: nothing to do")]);
        using JsonDocument document = Parse(SamplePlans.Report(noted));
        JsonElement note = Assert.Single(document.RootElement.GetProperty("notes").EnumerateArray());

        Assert.Equal(["profile", "plugin", "message"], Names(note));
        Assert.Equal("LowNodeUtilization", note.GetProperty("plugin").GetString());
        Assert.Equal("no node is underutilized: nothing to do", note.GetProperty("message").GetString());
        Assert.Equal(SamplePlans.Report(plan).Warnings.Count, document.RootElement.GetProperty("warnings").GetArrayLength());
    }

    [Fact]
    public void Target_node_is_null_when_no_target_was_simulated()
    {
        Plan plan = SamplePlans.Mixed();
        Plan untargeted = SamplePlans.With(plan, evictions: plan.Evictions.Select(e => e with { TargetNode = -1 }).ToList());
        using JsonDocument document = Parse(SamplePlans.Report(untargeted));

        Assert.All(document.RootElement.GetProperty("evictions").EnumerateArray(), e =>
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("targetNode").ValueKind);
            Assert.Equal(JsonValueKind.String, e.GetProperty("node").ValueKind);
        });
    }

    [Fact]
    public void Percentages_are_numbers_with_one_decimal_and_null_without_allocatable()
    {
        string json = SamplePlans.Render(new JsonReportRenderer(), SamplePlans.Report(SamplePlans.Mixed()));

        Assert.Contains("\"cpu\": 51.3,", json, StringComparison.Ordinal);
        Assert.Contains("\"cpu\": 20.0,", json, StringComparison.Ordinal);

        Plan plan = SamplePlans.Mixed();
        Array.Clear(plan.Snapshot.Nodes.Allocatable); // every node now has nothing allocatable
        using JsonDocument document = Parse(SamplePlans.Report(plan));
        JsonElement before = document.RootElement.GetProperty("summary").GetProperty("utilization")[0].GetProperty("before");
        Assert.Equal(JsonValueKind.Null, before.GetProperty("cpu").ValueKind);
    }

    [Fact]
    public void Outcomes_are_written_only_where_present()
    {
        Plan plan = SamplePlans.Mixed();
        var outcomes = new Dictionary<int, EvictionOutcome>
        {
            [plan.Evictions[0].Pod] = new("Evicted", 1),
            [plan.Evictions[1].Pod] = new("Failed", 3, "429 Too Many Requests"),
        };
        using JsonDocument document = Parse(SamplePlans.Report(plan, outcomes));
        JsonElement[] evictions = document.RootElement.GetProperty("evictions").EnumerateArray().ToArray();

        Assert.Equal("Evicted", evictions[0].GetProperty("outcome").GetString());
        Assert.Equal(1, evictions[0].GetProperty("attempts").GetInt32());
        Assert.False(evictions[0].TryGetProperty("message", out _));
        Assert.Equal("Failed", evictions[1].GetProperty("outcome").GetString());
        Assert.Equal(3, evictions[1].GetProperty("attempts").GetInt32());
        Assert.Equal("429 Too Many Requests", evictions[1].GetProperty("message").GetString());
        Assert.False(evictions[2].TryGetProperty("outcome", out _));
        Assert.False(evictions[2].TryGetProperty("attempts", out _));
    }

    [Fact]
    public void Text_is_readable_and_round_trips()
    {
        Plan plan = SamplePlans.Mixed();
        const string detail = "priority 'high' <none> & \"quoted\" über\nsecond line\ttab";
        Plan odd = SamplePlans.With(plan, skipped: [plan.Skipped[0] with { Detail = detail }]);
        string json = SamplePlans.Render(new JsonReportRenderer(), SamplePlans.Report(odd));

        Assert.Contains("priority 'high' <none> & \\\"quoted\\\" über\\nsecond line\\ttab", json, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(json);
        Assert.Equal(detail, document.RootElement.GetProperty("skipped")[0].GetProperty("detail").GetString());
    }

    [Fact]
    public void Large_reports_are_streamed_intact()
    {
        // Far beyond the writer's flush threshold, so the output is assembled from several drained chunks.
        string json = SamplePlans.Render(new JsonReportRenderer(), SamplePlans.Report(SamplePlans.SharedLarge));

        Assert.True(json.Length > 1_000_000, $"expected a report over 1 MB, got {json.Length} chars");
        Assert.EndsWith("}\n", json, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', json);
        using JsonDocument document = JsonDocument.Parse(json);
        Assert.Equal(2700, document.RootElement.GetProperty("evictions").GetArrayLength());
    }
}
