using System.Text.Json;
using Rebalancer.Core.Planning;

namespace Rebalancer.Reporting.Tests;

/// <summary>Consolidation's cordon in the reports: only when it is on, the plan's action, and a run's outcome.</summary>
public sealed class CordonReportTests
{
    /// <summary>The sections plan with od-1 to cordon and sp-1 cordoned before the run.</summary>
    private static Plan WithCordons()
    {
        Plan plan = SamplePlans.Sections();
        ConsolidationSummary consolidation = plan.Consolidation!;
        return SamplePlans.With(plan, consolidation: consolidation with
        {
            Drained = [consolidation.Drained[0] with { Cordon = CordonAction.Cordon }, consolidation.Drained[1] with { Cordon = CordonAction.AlreadyCordoned }],
        });
    }

    private static int NodeIndex(Plan plan, string name) => plan.Snapshot.Nodes.IndexOf(name);

    private static JsonElement[] Drained(PlanReport report) =>
        JsonDocument.Parse(SamplePlans.Render(new JsonReportRenderer(), report)).RootElement
            .GetProperty("consolidation").GetProperty("drained").EnumerateArray().ToArray();

    public sealed record Case(string Name, CordonOutcome? Outcome, string Json, string Text)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("a plan only says what is to be done", null, """{"action":"Cordon"}""", "to cordon"),
        new("a cordoned node", new("Cordoned", 1, 200), """{"action":"Cordon","outcome":"Cordoned","attempts":1,"httpStatus":200}""", "cordoned"),
        new("an incomplete drain, uncordoned", new("Uncordoned", 2, 200, "the drain did not complete"),
            """{"action":"Cordon","outcome":"Uncordoned","attempts":2,"httpStatus":200,"message":"the drain did not complete"}""", "uncordoned (drain incomplete)"),
        new("a failed cordon", new("CordonFailed", 1, 403, "cordoning failed: HTTP 403 Forbidden"),
            """{"action":"Cordon","outcome":"CordonFailed","attempts":1,"httpStatus":403,"message":"cordoning failed: HTTP 403 Forbidden"}""", "cordon failed (HTTP 403)"),
        new("no answer at all", new("CordonFailed", 4, null, "connection refused"),
            """{"action":"Cordon","outcome":"CordonFailed","attempts":4,"message":"connection refused"}""", "cordon failed"),
        new("a failed uncordon", new("UncordonFailed", 2, 503, "still cordoned"),
            """{"action":"Cordon","outcome":"UncordonFailed","attempts":2,"httpStatus":503,"message":"still cordoned"}""", "uncordon failed (HTTP 503): still cordoned"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_Should_ShowTheCordon_When_ConsolidationCordons(Case c)
    {
        Plan plan = WithCordons();
        Dictionary<int, CordonOutcome>? cordons = c.Outcome is null ? null : new() { [NodeIndex(plan, "od-1")] = c.Outcome };

        PlanReport report = PlanReport.From(plan, SamplePlans.Context, cordons: cordons);

        JsonElement[] drained = Drained(report);
        Assert.Equal(c.Json, JsonSerializer.Serialize(drained[0].GetProperty("cordon")));
        Assert.Equal("""{"action":"AlreadyCordoned"}""", JsonSerializer.Serialize(drained[1].GetProperty("cordon")));
        string text = SamplePlans.Render(new TextReportRenderer(ReportRenderOptions.Default), report);
        Assert.Matches(@$"od-1\s.*\s{System.Text.RegularExpressions.Regex.Escape(c.Text)}\s", text);
        Assert.Matches(@"sp-1\s.*\salready cordoned\s", text);
    }

    [Fact]
    public void Reports_Should_LeaveTheCordonOut_When_ConsolidationDoesNotCordon()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.Sections());

        Assert.All(Drained(report), d => Assert.False(d.TryGetProperty("cordon", out _)));
        Assert.DoesNotContain("Cordon", SamplePlans.Render(new TextReportRenderer(ReportRenderOptions.Default), report), StringComparison.Ordinal);
    }
}
