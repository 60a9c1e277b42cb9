using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Reporting.Tests;

/// <summary>
/// The HTML report parsed as a browser parses it (AngleSharp): every section is there, and every number it shows agrees
/// with the JSON report of the same plan.
/// </summary>
public sealed class HtmlReportRendererTests
{
    private static readonly Lazy<IHtmlDocument> DemoHtml = new(() => Parse(SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.DemoReport)));

    private static readonly Lazy<JsonElement> DemoJson = new(() =>
        JsonDocument.Parse(SamplePlans.Render(new JsonReportRenderer(), SamplePlans.DemoReport)).RootElement.Clone());

    private static IHtmlDocument Html => DemoHtml.Value;

    private static JsonElement Json => DemoJson.Value;

    private static IHtmlDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    [Theory]
    [InlineData("header")]
    [InlineData("summary")]
    [InlineData("verdicts")]
    [InlineData("headroom")]
    [InlineData("spot")]
    [InlineData("consolidation")]
    [InlineData("plugins")]
    [InlineData("utilization")]
    [InlineData("nodes")]
    [InlineData("evictions")]
    [InlineData("skipped")]
    [InlineData("drained")]
    [InlineData("warnings")]
    [InlineData("notes")]
    public void Demo_report_has_the_section(string id)
    {
        IElement? section = Html.GetElementById(id);

        Assert.NotNull(section);
        Assert.NotNull(section.QuerySelector("h2, h1"));
    }

    [Fact]
    public void Demo_report_is_one_document_with_every_anchor_resolving()
    {
        Assert.Equal("en", Html.DocumentElement.GetAttribute("lang"));
        Assert.Single(Html.QuerySelectorAll("body"));
        IEnumerable<string> targets = Html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!);

        Assert.All(targets, href =>
        {
            Assert.StartsWith("#", href, StringComparison.Ordinal);
            Assert.NotNull(Html.GetElementById(href[1..]));
        });
        string[] ids = [.. Html.All.Select(e => e.Id).Where(id => !string.IsNullOrEmpty(id)).Select(id => id!)];
        Assert.True(ids.Length > 20);
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Demo_report_loads_nothing_from_anywhere()
    {
        Assert.Empty(Html.QuerySelectorAll("link, img, iframe, object, embed, video, audio, source, base, form"));
        Assert.Single(Html.Scripts);
        Assert.All(Html.Scripts, s => Assert.False(s.HasAttribute("src")));
        Assert.DoesNotContain(Html.All.SelectMany(e => e.Attributes), a => a.Value.Contains("://", StringComparison.Ordinal));
        Assert.DoesNotContain("url(", Html.QuerySelector("style")!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nodes")]
    [InlineData("consideredNodes")]
    [InlineData("pods")]
    [InlineData("runningPods")]
    [InlineData("evictions")]
    [InlineData("skipped")]
    [InlineData("warnings")]
    public void Demo_summary_numbers_match_the_json_report(string field) =>
        Assert.Equal(Json.GetProperty("summary").GetProperty(field).GetInt32(), Number(field));

    [Fact]
    public void Demo_report_shows_the_plan_clock_of_the_json_report() =>
        Assert.Equal(Json.GetProperty("metadata").GetProperty("now").GetString(), Field("now").TextContent);

    [Fact]
    public void Every_demo_eviction_is_listed_once_with_its_nodes_and_plugin()
    {
        JsonElement[] evictions = [.. Json.GetProperty("evictions").EnumerateArray()];
        IHtmlCollection<IElement> rows = Html.QuerySelectorAll("#evictions table.evictions tbody tr");

        Assert.NotEmpty(evictions);
        Assert.Equal(evictions.Length, rows.Length);
        Assert.Equal(evictions.Length, Number("evictionRows"));
        var seen = new HashSet<int>();
        foreach (IElement row in rows)
        {
            int index = int.Parse(row.Children[0].TextContent, CultureInfo.InvariantCulture);
            Assert.True(seen.Add(index));
            JsonElement e = evictions[index - 1];
            Assert.Equal(e.GetProperty("namespace").GetString() + "/" + e.GetProperty("name").GetString(), row.Children[1].TextContent);
            Assert.Equal(e.GetProperty("node").GetString(), row.Children[2].TextContent);
            Assert.Equal(e.GetProperty("targetNode").GetString(), row.Children[3].TextContent);
            Assert.Equal(e.GetProperty("reason").GetString(), row.Children[4].TextContent);
            Assert.Equal(e.GetProperty("plugin").GetString(), row.Closest("details")!.GetAttribute("data-plugin"));
        }
    }

    [Fact]
    public void Demo_evictions_are_grouped_by_plugin_with_the_json_counts()
    {
        var expected = Json.GetProperty("summary").GetProperty("evictionsByPlugin").EnumerateArray()
            .Where(p => p.GetProperty("evictions").GetInt32() > 0)
            .Select(p => (p.GetProperty("plugin").GetString(), p.GetProperty("evictions").GetInt32()))
            .ToList();
        var actual = Html.QuerySelectorAll("#evictions details[data-plugin]")
            .Select(d => (d.GetAttribute("data-plugin"), Int(d.QuerySelector("[data-field=pluginEvictions]")!)))
            .ToList();

        Assert.True(expected.Count > 1, "the demo plan should evict with more than one plugin");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Demo_skips_are_counted_by_plugin_and_reason_and_listed()
    {
        int skipped = Json.GetProperty("summary").GetProperty("skipped").GetInt32();

        Assert.True(skipped > 0);
        Assert.Equal(skipped, Html.QuerySelectorAll("#skip-counts [data-field=skipCount]").Sum(Int));
        Assert.Equal(skipped, Html.QuerySelectorAll("#skipped table.skips tbody tr").Length);
        Assert.Equal(skipped, Number("skipRows"));
        foreach ((string reason, int count) in Json.GetProperty("summary").GetProperty("skippedByReason").EnumerateObject().Select(p => (p.Name, p.Value.GetInt32())))
        {
            Assert.Equal(count, Html.QuerySelectorAll("#skip-counts tbody tr").Where(r => r.Children[1].TextContent == reason).Sum(r => Int(r.Children[2])));
        }
    }

    [Fact]
    public void Demo_spot_fractions_match_the_json_report()
    {
        JsonElement spot = Json.GetProperty("spot");

        Assert.Equal(spot.GetProperty("fractionBefore").GetDecimal(), Value("spotBefore"));
        Assert.Equal(spot.GetProperty("fractionAfter").GetDecimal(), Value("spotAfter"));
        Assert.Equal(spot.GetProperty("maxSpotFraction").GetDecimal(), Value("spotLimit"));
        Assert.Equal(spot.GetProperty("belowFloorBefore").GetArrayLength(), Number("belowFloorBefore"));
        Assert.Equal(spot.GetProperty("belowFloorAfter").GetArrayLength(), Number("belowFloorAfter"));
        Assert.NotNull(Html.QuerySelector("#spot svg line.limit"));
    }

    [Theory]
    [InlineData("nodesBefore")]
    [InlineData("nodesAfter")]
    [InlineData("lowerBound")]
    [InlineData("gapToLowerBound")]
    [InlineData("firstFitDecreasing")]
    public void Demo_consolidation_numbers_match_the_json_report(string field) =>
        Assert.Equal(Json.GetProperty("consolidation").GetProperty(field).GetInt32(), Number(field));

    [Fact]
    public void Demo_drained_nodes_match_the_json_report()
    {
        JsonElement consolidation = Json.GetProperty("consolidation");
        string[] drained = [.. consolidation.GetProperty("drained").EnumerateArray().Select(d => d.GetProperty("node").GetString()!)];
        string[] marked = [.. Html.QuerySelectorAll("#nodes tr.drained").Select(r => r.Children[0].TextContent)];

        Assert.NotEmpty(drained);
        Assert.Equal(drained.Length, Number("drainedNodes"));
        Assert.Equal(consolidation.GetProperty("drained").EnumerateArray().Sum(d => d.GetProperty("moves").GetArrayLength()), Number("drainedPods"));
        Assert.Equal(drained.Order(StringComparer.Ordinal), marked.Order(StringComparer.Ordinal));
        Assert.Equal(drained, Html.QuerySelectorAll("#drained tbody tr").Select(r => r.Children[0].TextContent));
        Assert.Equal(
            Json.GetProperty("summary").GetProperty("utilization").EnumerateArray().Where(u => u.GetProperty("drained").GetBoolean()).Select(u => u.GetProperty("node").GetString()).Order(StringComparer.Ordinal),
            marked.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("nodeBefore", "before", "nodeLoss")]
    [InlineData("nodeAfter", "after", "nodeLoss")]
    [InlineData("zoneBefore", "before", "zoneLoss")]
    [InlineData("zoneAfter", "after", "zoneLoss")]
    public void Demo_headroom_verdicts_match_the_json_report(string field, string when, string loss)
    {
        bool survivable = Json.GetProperty("headroom").GetProperty(when).GetProperty(loss).GetProperty("survivable").GetBoolean();

        Assert.Equal(survivable ? "survives" : "short", Field(field).GetAttribute("data-value"));
    }

    [Fact]
    public void Demo_pool_and_zone_groups_match_the_json_report()
    {
        JsonElement[] pools = [.. Json.GetProperty("summary").GetProperty("utilizationByPool").EnumerateArray()];
        IElement[] rows = [.. Html.QuerySelectorAll("table.pools tbody tr")];

        Assert.True(pools.Length > 3, "the demo has six pools in three zones");
        Assert.Equal(pools.Length, rows.Length);
        for (int i = 0; i < pools.Length; i++)
        {
            Assert.Equal(pools[i].GetProperty("pool").GetString() ?? string.Empty, rows[i].GetAttribute("data-pool"));
            Assert.Equal(pools[i].GetProperty("zone").GetString() ?? string.Empty, rows[i].GetAttribute("data-zone"));
            Assert.Equal(pools[i].GetProperty("nodes").GetInt32(), Int(rows[i].QuerySelector("[data-field=groupNodes]")!));
        }

        Assert.Equal(Json.GetProperty("summary").GetProperty("nodes").GetInt32(), pools.Sum(p => p.GetProperty("nodes").GetInt32()));
    }

    [Fact]
    public void Demo_changed_nodes_are_shown_in_detail_and_the_others_folded()
    {
        JsonElement[] nodes = [.. Json.GetProperty("summary").GetProperty("utilization").EnumerateArray()];
        var changed = nodes.Where(n => n.GetProperty("changed").GetBoolean() || n.GetProperty("drained").GetBoolean()).Select(n => n.GetProperty("node").GetString()).ToHashSet();
        string[] detailed = [.. Html.QuerySelectorAll("#nodes table.nodes tbody tr").Select(r => r.Children[0].TextContent)];
        string[] folded = [.. Html.QuerySelectorAll("#nodes details.unchanged tbody tr").Select(r => r.Children[0].TextContent)];

        Assert.Equal(changed.Order(StringComparer.Ordinal), detailed.Order(StringComparer.Ordinal));
        Assert.Equal(nodes.Length - changed.Count, folded.Length);
        Assert.DoesNotContain(folded, changed.Contains);
    }

    /// <summary>Names, reasons and messages may hold anything; none of it may become markup.</summary>
    [Fact]
    public void Hostile_names_and_texts_are_shown_as_text()
    {
        const string Node = "n<1>&\"'";
        const string Pod = "<script>alert(1)</script>";
        const string Namespace = "ns\" onmouseover=\"alert(2)";
        const string Reason = "</td></table><img src=x onerror=alert(3)> &amp; \u0001 \uD800 end";
        Plan plan = TestPlanner.Plan(new TestCluster()
            .Node(Node)
            .Node("n2")
            .Pod(Pod, Node, configure: p => p.Namespace(Namespace).Owner("ReplicaSet", "rs"))
            .Build(), new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));
        int pod = plan.Snapshot.Pods.Name.IndexOf(Pod);
        Plan hostile = SamplePlans.With(
            plan,
            evictions: [new PlannedEviction(pod, 0, 1, "p<rofile>", "Plug\"in<b>", Reason)],
            skipped: [new SkippedPod(pod, "p<rofile>", "Plug\"in<b>", "Odd</code>", Reason)],
            warnings: [new PlanWarning("p", "<i>", Reason)]);

        IHtmlDocument doc = Parse(SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.Report(hostile)));

        Assert.Single(doc.Scripts);
        Assert.Empty(doc.QuerySelectorAll("img, td b, li i, code code"));
        Assert.DoesNotContain(doc.All.SelectMany(e => e.Attributes), a => a.Name.StartsWith("on", StringComparison.Ordinal));
        IElement row = Assert.Single(doc.QuerySelectorAll("table.evictions tbody tr"));
        Assert.Equal(Namespace + "/" + Pod, row.Children[1].TextContent);
        Assert.Equal(Node, row.Children[2].TextContent);
        Assert.Equal("</td></table><img src=x onerror=alert(3)> &amp; \uFFFD \uFFFD end", row.Children[4].TextContent);
        Assert.Equal("Plug\"in<b>", row.Closest("details")!.GetAttribute("data-plugin"));
        Assert.Contains(doc.QuerySelectorAll("#warnings li"), li => li.TextContent.EndsWith(": </td></table><img src=x onerror=alert(3)> &amp; \uFFFD \uFFFD end", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a-b", "a_2d_b")]
    [InlineData("A", "a")]
    [InlineData("x y", "x_y")]
    public void Anchor_ids_of_distinct_names_differ(string first, string second)
    {
        string a = HtmlReportRenderer.Id("pool", first, "z");
        string b = HtmlReportRenderer.Id("pool", second, "z");

        Assert.NotEqual(a, b);
        Assert.Matches("^[a-z0-9_-]+$", a);
        Assert.Matches("^[a-z0-9_-]+$", b);
    }

    [Fact]
    public void Large_plans_list_every_row_within_the_default_budget()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.SharedLarge);

        IHtmlDocument doc = Parse(SamplePlans.Render(new HtmlReportRenderer(), report));

        Assert.Equal(report.Evictions.Count, doc.QuerySelectorAll("table.evictions tbody tr").Length);
        Assert.DoesNotContain(doc.QuerySelectorAll("[data-field=leftOut]"), p => p.Closest("#evictions") is not null);
    }

    [Fact]
    public void Every_count_on_the_page_has_thousands_separators()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.SharedLarge);
        Assert.True(report.Summary.Pods >= 1000);

        string html = SamplePlans.Render(new HtmlReportRenderer(), report);
        IHtmlDocument doc = Parse(html);

        Assert.Equal(ReportFormat.Count(report.Summary.Pods), doc.QuerySelector("[data-field=pods]")!.TextContent);
        Assert.Contains(",", doc.QuerySelector("[data-field=pods]")!.TextContent, StringComparison.Ordinal);

        // No run of four or more digits in the page's text, except inside names and timestamps (pod and node names carry numbers).
        string[] bare = [.. doc.QuerySelectorAll("[data-field], td.num, .big, .val")
            .Select(e => e.TextContent)
            .Where(t => Regex.IsMatch(t, @"^\d{4,}$"))];
        Assert.Empty(bare);
    }

    [Fact]
    public void Rows_beyond_the_budget_are_counted_not_written()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.LargeSections());
        const int Budget = 200_000;

        string html = SamplePlans.Render(new HtmlReportRenderer { MaxBytes = Budget }, report);
        IHtmlDocument doc = Parse(html);

        // The rows stay within the budget; the fixed parts (styles, script, headings, pool table) add a few kilobytes.
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(html), Budget / 2, Budget + 40_000);
        int rows = doc.QuerySelectorAll("table.evictions tbody tr").Length;
        Assert.InRange(rows, 1, report.Evictions.Count - 1);
        Assert.Contains(doc.QuerySelectorAll("#evictions [data-field=leftOut]"), p => p.TextContent.Contains($"The first {ReportFormat.Count(rows)} of {ReportFormat.Count(report.Evictions.Count)} evictions", StringComparison.Ordinal));
        Assert.NotEmpty(doc.QuerySelectorAll("#skipped [data-field=leftOut]"));
        Assert.NotEmpty(doc.QuerySelectorAll("#drained [data-field=leftOut]"));
    }

    [Fact]
    public void Plans_without_the_optional_sections_say_so()
    {
        IHtmlDocument doc = Parse(SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.Report(SamplePlans.With(SamplePlans.Mixed(), withoutSections: true))));

        Assert.Contains("not evaluated", doc.GetElementById("headroom")!.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("SpotRatio did not run", doc.GetElementById("spot")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Consolidation did not run", doc.GetElementById("consolidation")!.TextContent, StringComparison.Ordinal);
        Assert.Null(doc.GetElementById("drained"));
    }

    private static IElement Field(string field) =>
        Assert.Single(Html.QuerySelectorAll($"[data-field={field}]"));

    private static int Number(string field) => Int(Field(field));

    private static decimal Value(string field) =>
        decimal.Parse(Field(field).GetAttribute("data-value")!, CultureInfo.InvariantCulture);

    private static int Int(IElement element) => int.Parse(element.TextContent, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}
