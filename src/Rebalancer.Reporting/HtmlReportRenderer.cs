using System.Globalization;
using System.Text;

namespace Rebalancer.Reporting;

/// <summary>
/// A single self-contained HTML page for reviewers and CI artifacts: inline CSS and SVG, no external resources, and a
/// few lines of inline script that only add column sorting (everything is readable with scripts off). The top of the
/// page answers "can I apply this plan?" at a glance (N-1 verdict, spot share against its limit, node count against the
/// consolidation lower bound); below come utilization per pool and zone with per-node detail for the nodes the plan
/// changes, and the evictions and skips grouped by plugin. Every value from the cluster is HTML-escaped. Output is
/// deterministic (the only time is the plan's <see cref="PlanReport.Now"/>) so golden files work. Row lists are charged
/// against per-section byte budgets (<see cref="MaxBytes"/> in all), so a 5,000-node plan with thousands of evictions
/// stays a page a browser opens; what is left out is counted on the page, and the JSON report always has everything.
/// </summary>
public sealed class HtmlReportRenderer : IReportRenderer
{
    /// <summary>About 8 MB: a CI artifact a browser opens in a second, under the 10 MB the issue sets.</summary>
    public const int DefaultMaxBytes = 8_000_000;

    public string Format => ReportRenderers.Html;

    /// <summary>Upper bound, in UTF-8 bytes, of the rows of the page (the fixed parts add a few tens of kilobytes).</summary>
    public int MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Skips listed per plugin and reason; the rest are counted (the counts table covers all of them).</summary>
    public int MaxSkipsPerReason { get; init; } = 100;

    /// <summary>Rows of the spot floors, drained nodes, warnings and notes, each.</summary>
    public int MaxSectionRows { get; init; } = 500;

    public void Render(PlanReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        if (MaxBytes < 10_000)
        {
            throw new InvalidOperationException("MaxBytes must be at least 10,000.");
        }

        var page = new Page(report, this);
        output.Write(page.Render());
    }

    /// <summary>One render. Sections append to <see cref="_html"/>; row lists go through a <see cref="Budget"/> each.</summary>
    private sealed class Page(PlanReport report, HtmlReportRenderer settings)
    {
        private readonly StringBuilder _html = new(64 * 1024);
        private readonly bool _showProfile = ReportFormat.HasSeveralProfiles(report);

        // Budgets per section, so a plan with a huge skip list still shows its evictions and changed nodes.
        private readonly long _nodeBudget = settings.MaxBytes / 10 * 3;
        private readonly Budget _evictions = new(settings.MaxBytes / 10 * 4);
        private readonly Budget _skips = new(settings.MaxBytes / 10 * 2);
        private readonly Budget _other = new(settings.MaxBytes / 10);

        public string Render()
        {
            Head();
            Header();
            Summary();
            AtAGlance();
            Messages("warnings", "Warnings", report.Warnings);
            Plugins();
            Utilization();
            Evictions();
            Skipped();
            Nodes();
            SpotFloors();
            DrainedNodes();
            Messages("notes", "Notes", report.Notes);
            Footer();
            return _html.ToString();
        }

        private void Head()
        {
            ReportContext context = report.Context;
            W("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            W("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
            W($"<meta name=\"generator\" content=\"Rebalancer {E(context.Version)}\">\n");
            W($"<title>Rebalancer {E(context.Mode)} report: {E(context.Source)}</title>\n");
            W("<style>\n").W(Css).W("</style>\n</head>\n<body>\n");
        }

        private void Header()
        {
            ReportContext context = report.Context;
            W($"<header id=\"header\">\n<h1>Rebalancer {E(context.Mode)} report</h1>\n<dl class=\"meta\">");
            W($"<dt>Source</dt><dd><code>{E(context.Source)}</code></dd>");
            W($"<dt>Policy</dt><dd><code>{E(context.PolicySource)}</code> <span class=\"dim\">{E(context.PolicyDigest)}</span></dd>");
            W($"<dt>Scheduler</dt><dd data-field=\"scheduler\">{E(report.Scheduler.Description)}</dd>");
            if (report.Cordons.Count > 0)
            {
                W($"<dt>Cordon</dt><dd data-field=\"cordons\">{E(ReportFormat.Cordons(report.Cordons))}</dd>");
            }

            W($"<dt>Now</dt><dd><time data-field=\"now\">{E(ReportFormat.Timestamp(report.Now))}</time></dd>");
            W($"<dt>Version</dt><dd>{E(context.Version)}</dd></dl>\n");
            W("<nav><a href=\"#summary\">Summary</a> <a href=\"#warnings\">Warnings</a> <a href=\"#utilization\">Utilization</a> <a href=\"#evictions\">Evictions</a> <a href=\"#skipped\">Skipped</a> <a href=\"#nodes\">Nodes</a>");
            if (report.Consolidation is { Drained.Count: > 0 })
            {
                W(" <a href=\"#drained\">Drained nodes</a>");
            }

            W(" <a href=\"#notes\">Notes</a></nav>\n</header>\n");
        }

        private void Summary()
        {
            ReportSummary summary = report.Summary;
            int drained = report.Consolidation?.Drained.Count ?? 0;
            W("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
            Card("nodes", summary.Nodes, "nodes", $"{Num("consideredNodes", summary.ConsideredNodes)} considered", null);
            Card("pods", summary.Pods, "pods", $"{Num("runningPods", summary.RunningPods)} running", null);
            Card("evictions", summary.Evictions, "evictions", $"{Num("changedNodes", report.ChangedNodes.Count)} nodes changed", summary.Evictions > 0 ? "good" : null);
            Card("skipped", summary.Skipped, "skipped", $"{Num("skipReasons", summary.SkippedByReason.Count)} reasons", summary.Skipped > 0 ? "warn" : null);
            Card("drainedNodes", drained, "drained nodes", report.Consolidation is null ? "Consolidation did not run" : $"{Num("drainedPods", report.Consolidation.DrainedPods)} pods moved", drained > 0 ? "good" : null);
            Card("warnings", summary.Warnings, "warnings", $"{Num("notes", report.Notes.Count)} notes", summary.Warnings > 0 ? "bad" : null);
            W("</div>\n");
            if (report.UsageHistory is ReportUsageHistory usage)
            {
                W($"<p id=\"usage-history\"><b>Usage history</b>: {E(ReportFormat.UsageHistory(usage))}</p>\n");
            }

            W("</section>\n");
        }

        /// <param name="detail">Markup: built from numbers and fixed words only.</param>
        private void Card(string field, int value, string label, string detail, string? tone) =>
            W($"<div class=\"card{(tone is null ? string.Empty : " " + tone)}\"><span class=\"big\">{Num(field, value)}</span> {E(label)}<br><span class=\"dim\">{detail}</span></div>\n");

        /// <summary>A number tagged with the JSON report's name for it, so tests (and scrapers) can find it.</summary>
        private static string Num(string field, int value) => $"<span data-field=\"{field}\">{N(value)}</span>";

        /// <summary>The three verdicts a reviewer checks first, side by side.</summary>
        private void AtAGlance()
        {
            W("<section id=\"verdicts\" class=\"panels\">\n");
            Headroom();
            Spot();
            Consolidation();
            W("</section>\n");
        }

        private void Headroom()
        {
            W("<div class=\"panel\" id=\"headroom\">\n<h2>N-1 headroom</h2>\n");
            if (report.Headroom is not ReportHeadroom headroom)
            {
                W("<p class=\"dim\">Not evaluated: no node was considered.</p>\n</div>\n");
                return;
            }

            Scenario("node", headroom.Before?.Node, headroom.After?.Node);
            bool zones = headroom.Before?.Zone is not null || headroom.After?.Zone is not null;
            if (zones)
            {
                Zones(headroom);
            }

            W("<p class=\"dim small\">The largest node, or one zone, fails: its pods are re-fitted first-fit-decreasing onto the others' free requests; DaemonSet and mirror pods die with it."
                + (zones ? " Each zone is compared with itself." : string.Empty) + "</p>\n</div>\n");
        }

        /// <summary>One failure scenario: what fails (both names when the largest differs before and after), then the two verdicts.</summary>
        private void Scenario(string kind, ReportLoss? before, ReportLoss? after)
        {
            string? a = before?.Failed;
            string? b = after?.Failed;
            string failed = a is null || b is null || a == b ? a ?? b ?? "-" : a + " / " + b;
            W($"<div class=\"scenario\"><b>Largest {kind} lost</b> <span class=\"dim small\">{E(failed)}</span>\n<table class=\"verdict\"><tbody><tr><th scope=\"row\">Before</th>");
            Loss(kind + "Before", before);
            W("</tr><tr><th scope=\"row\">After</th>");
            Loss(kind + "After", after);
            W("</tr></tbody></table></div>\n");
        }

        /// <summary>The zone verdict (the worst zone before and after, each named), then every zone before and after.</summary>
        private void Zones(ReportHeadroom headroom)
        {
            W("<div class=\"scenario\"><b>One zone lost</b>\n<table class=\"verdict\"><tbody><tr><th scope=\"row\">Before</th>");
            Loss("zoneBefore", headroom.Before?.Zone, ReportFormat.ZoneLoss(headroom.Before));
            W("</tr><tr><th scope=\"row\">After</th>");
            Loss("zoneAfter", headroom.After?.Zone, ReportFormat.ZoneLoss(headroom.After));
            W("</tr></tbody></table>\n<table class=\"verdict zones\"><thead><tr><th>Zone</th><th>Before</th><th>After</th></tr></thead><tbody>\n");
            foreach ((string zone, ReportLoss? before, ReportLoss? after, bool worstBefore, bool worstAfter) in ReportFormat.ZoneRows(headroom))
            {
                W($"<tr data-zone=\"{E(zone)}\"><th scope=\"row\">{E(zone)}</th>");
                Loss("zoneBefore", before, ReportFormat.ZoneCell(before, worstBefore), perZone: true);
                Loss("zoneAfter", after, ReportFormat.ZoneCell(after, worstAfter), perZone: true);
                W("</tr>\n");
            }

            W("</tbody></table></div>\n");
        }

        /// <param name="perZone">A row of the per-zone table: its cells carry no <c>data-field</c>, which names the verdict itself.</param>
        private void Loss(string field, ReportLoss? loss, string? text = null, bool perZone = false)
        {
            string tone = loss is null ? "dim" : loss.Survivable ? "good" : "bad";
            string mark = loss is null ? string.Empty : loss.Survivable ? "✔ " : "✘ ";
            string value = loss is null ? "none" : loss.Survivable ? "survives" : "short";
            string data = perZone ? $"data-value=\"{value}\"" : $"data-field=\"{field}\" data-value=\"{value}\"";
            W($"<td class=\"{tone}\" {data}>{mark}{E(text ?? ReportFormat.Loss(loss))}</td>");
        }

        /// <summary>The spot share before and after as two bars on a 0–100% scale, with the limit as a line across both.</summary>
        private void Spot()
        {
            W("<div class=\"panel\" id=\"spot\">\n");
            if (report.Spot is not ReportSpot spot)
            {
                W("<h2>Spot share</h2>\n<p class=\"dim\">SpotRatio did not run.</p>\n</div>\n");
                return;
            }

            W($"<h2>Spot share <span class=\"dim\">(requested {E(spot.Resource)})</span></h2>\n");
            bool over = spot.FractionAfter > spot.MaxSpotFraction;
            const double Left = 60, Width = 300;
            double X(decimal fraction) => Left + (Width * (double)Math.Clamp(fraction, 0m, 1m));
            string Bar(decimal fraction, double y, string cls) =>
                $"<rect x=\"{F(Left)}\" y=\"{F(y)}\" width=\"{F(Width)}\" height=\"16\" class=\"track\"/><rect x=\"{F(Left)}\" y=\"{F(y)}\" width=\"{F(X(fraction) - Left)}\" height=\"16\" class=\"{cls}\"/>";
            W("<svg class=\"gauge\" viewBox=\"0 0 420 86\" width=\"420\" height=\"86\" role=\"img\" aria-label=\"")
                .W(E($"Spot share {ReportFormat.ShareAgainst(spot.FractionBefore, spot.MaxSpotFraction)} before, {ReportFormat.ShareAgainst(spot.FractionAfter, spot.MaxSpotFraction)} after, limit {ReportFormat.Share(spot.MaxSpotFraction)}"))
                .W("\">");
            // The values sit right of the track, where the limit line cannot cross them.
            W($"<text x=\"0\" y=\"34\">before</text>{Bar(spot.FractionBefore, 22, spot.FractionBefore > spot.MaxSpotFraction ? "over" : "under")}");
            W($"<text x=\"{F(Left + Width + 6)}\" y=\"34\" class=\"val\">{ReportFormat.ShareAgainst(spot.FractionBefore, spot.MaxSpotFraction)}</text>");
            W($"<text x=\"0\" y=\"60\">after</text>{Bar(spot.FractionAfter, 48, over ? "over" : "under")}");
            W($"<text x=\"{F(Left + Width + 6)}\" y=\"60\" class=\"val\">{ReportFormat.ShareAgainst(spot.FractionAfter, spot.MaxSpotFraction)}</text>");
            double limit = X(spot.MaxSpotFraction);
            W($"<line x1=\"{F(limit)}\" y1=\"14\" x2=\"{F(limit)}\" y2=\"70\" class=\"limit\"/><text x=\"{F(limit)}\" y=\"10\" class=\"limit-label\" text-anchor=\"middle\">limit {ReportFormat.Share(spot.MaxSpotFraction)}</text>");
            W($"<text x=\"{F(Left)}\" y=\"82\" class=\"axis\">0%</text><text x=\"{F(Left + Width)}\" y=\"82\" class=\"axis\" text-anchor=\"end\">100%</text></svg>\n");

            W("<dl class=\"kv\">");
            W($"<dt>Share on spot</dt><dd class=\"{(over ? "bad" : "good")}\"><span data-field=\"spotBefore\" data-value=\"{D(spot.FractionBefore)}\">{ReportFormat.ShareAgainst(spot.FractionBefore, spot.MaxSpotFraction)}</span> → <span data-field=\"spotAfter\" data-value=\"{D(spot.FractionAfter)}\">{ReportFormat.ShareAgainst(spot.FractionAfter, spot.MaxSpotFraction)}</span>, limit <span data-field=\"spotLimit\" data-value=\"{D(spot.MaxSpotFraction)}\">{ReportFormat.Share(spot.MaxSpotFraction)}</span></dd>");
            W($"<dt>Below on-demand floor</dt><dd class=\"{(spot.BelowFloorAfter.Count > 0 ? "bad" : string.Empty)}\"><span data-field=\"belowFloorBefore\">{N(spot.BelowFloorBefore.Count)}</span> → <span data-field=\"belowFloorAfter\">{N(spot.BelowFloorAfter.Count)}</span> workloads</dd>");
            if (spot.Shortfall.Count > 0)
            {
                W($"<dt>On-demand shortfall</dt><dd class=\"bad\">{E(ReportFormat.Amounts(spot.Shortfall))} (SpotRatio cannot add nodes)</dd>");
            }

            W("</dl>\n<p class=\"dim small\">Spot nodes are those with a well-known capacity-type label; the share counts the considered nodes once SpotRatio has planned.</p>\n</div>\n");
        }

        /// <summary>Nodes before and after on one scale, with the lower bound no packing can beat and the first-fit-decreasing estimate.</summary>
        private void Consolidation()
        {
            W("<div class=\"panel\" id=\"consolidation\">\n");
            if (report.Consolidation is not ReportConsolidation c)
            {
                W("<h2>Consolidation</h2>\n<p class=\"dim\">Consolidation did not run.</p>\n</div>\n");
                return;
            }

            W("<h2>Consolidation</h2>\n");
            const double Left = 60, Width = 300;
            double scale = Math.Max(1, Math.Max(c.NodesBefore, Math.Max(c.FirstFitDecreasing, c.LowerBound)));
            double X(int nodes) => Left + (Width * Math.Clamp(nodes, 0, scale) / scale);
            W("<svg class=\"gauge\" viewBox=\"0 0 420 86\" width=\"420\" height=\"86\" role=\"img\" aria-label=\"")
                .W(E($"Nodes {N(c.NodesBefore)} before, {N(c.NodesAfter)} after, lower bound {N(c.LowerBound)}"))
                .W("\">");
            W($"<text x=\"0\" y=\"34\">before</text><rect x=\"{F(Left)}\" y=\"22\" width=\"{F(X(c.NodesBefore) - Left)}\" height=\"16\" class=\"before\"/>");
            W($"<text x=\"{F(X(c.NodesBefore) + 4)}\" y=\"34\" class=\"val\">{N(c.NodesBefore)}</text>");
            W($"<text x=\"0\" y=\"60\">after</text><rect x=\"{F(Left)}\" y=\"48\" width=\"{F(X(c.NodesAfter) - Left)}\" height=\"16\" class=\"after\"/>");
            W($"<text x=\"{F(X(c.NodesAfter) + 4)}\" y=\"60\" class=\"val\">{N(c.NodesAfter)}</text>");
            double lb = X(c.LowerBound);
            W($"<line x1=\"{F(lb)}\" y1=\"14\" x2=\"{F(lb)}\" y2=\"70\" class=\"limit\"/><text x=\"{F(lb)}\" y=\"10\" class=\"limit-label\" text-anchor=\"middle\">lower bound {N(c.LowerBound)}</text>");
            double ffd = X(c.FirstFitDecreasing);
            W($"<line x1=\"{F(ffd)}\" y1=\"18\" x2=\"{F(ffd)}\" y2=\"70\" class=\"ffd\"/><text x=\"{F(ffd)}\" y=\"82\" class=\"axis\" text-anchor=\"middle\">FFD {N(c.FirstFitDecreasing)}</text></svg>\n");

            W("<dl class=\"kv\">");
            W($"<dt>Nodes</dt><dd><span data-field=\"nodesBefore\">{N(c.NodesBefore)}</span> → <b data-field=\"nodesAfter\">{N(c.NodesAfter)}</b> ({E(ReportFormat.Plural(c.Drained.Count, "node", "nodes"))} drained, {E(ReportFormat.Plural(c.DrainedPods, "pod", "pods"))} moved)</dd>");
            W($"<dt>Lower bound</dt><dd><span data-field=\"lowerBound\">{N(c.LowerBound)}</span>, gap <span data-field=\"gapToLowerBound\" class=\"{(c.GapToLowerBound == 0 ? "good" : string.Empty)}\">{N(c.GapToLowerBound)}</span>; first-fit-decreasing estimate <span data-field=\"firstFitDecreasing\">{N(c.FirstFitDecreasing)}</span></dd>");
            W($"<dt>Search</dt><dd{(c.BudgetExhausted ? " class=\"warn\"" : string.Empty)}>{E(ReportFormat.Plural(c.Candidates, "candidate", "candidates"))}, {ReportFormat.Count(c.SearchSteps)} steps{(c.BudgetExhausted ? "; budget exhausted, a longer search may drain more" : string.Empty)}</dd>");
            W("</dl>\n</div>\n");
        }

        private void Plugins()
        {
            IReadOnlyList<PluginSummary> plugins = report.Summary.EvictionsByPlugin;
            if (plugins.Count == 0)
            {
                return;
            }

            W("<section id=\"plugins\">\n<h2>Plugins <span class=\"dim\">(in run order)</span></h2>\n<table class=\"sortable\"><thead><tr><th>Profile</th><th>Plugin</th><th>Extension point</th><th class=\"num\">Evictions</th><th class=\"num\">Skipped</th></tr></thead><tbody>\n");
            foreach (PluginSummary p in plugins)
            {
                W($"<tr><td>{E(p.Profile)}</td><td>{(p.Evictions > 0 ? $"<a href=\"#{Id("evictions", p.Profile, p.Plugin)}\">{E(p.Plugin)}</a>" : E(p.Plugin))}</td><td>{E(p.ExtensionPoint)}</td><td class=\"num\">{N(p.Evictions)}</td><td class=\"num\">{N(p.Skipped)}</td></tr>\n");
            }

            W("</tbody></table>\n</section>\n");
        }

        /// <summary>Per pool and zone: the summed utilization before and after as bars, and the spread over its nodes.</summary>
        private void Utilization()
        {
            W("<section id=\"utilization\">\n<h2>Utilization <span class=\"dim\">(requested / allocatable, before → after)</span></h2>\n");
            W($"<p class=\"dim small\">Pools from the first node label of {E(string.Join(", ", PlanReport.PoolLabels))}; zones from <code>topology.kubernetes.io/zone</code>. ");
            W("In each cell the thin dark bar is before the plan, the thick coloured one after (amber from 85%, red over 100%). A group's after-values leave drained nodes out: the autoscaler removes them.</p>\n");
            W("<table class=\"sortable pools wide\"><thead><tr><th>Pool</th><th>Zone</th><th class=\"num\">Nodes</th><th class=\"num\">Spot</th><th class=\"num\">Changed</th><th class=\"num\">Drained</th><th>CPU</th><th>Memory</th><th>Pods</th><th>CPU range, min–max</th></tr></thead><tbody>\n");
            var nodesOf = report.Utilization.GroupBy(u => (u.Pool, u.Zone)).ToDictionary(g => g.Key, g => g.ToList());
            foreach (PoolUtilization g in report.UtilizationByPool)
            {
                List<NodeUtilization> nodes = nodesOf[(g.Pool, g.Zone)];
                W($"<tr data-pool=\"{E(g.Pool ?? string.Empty)}\" data-zone=\"{E(g.Zone ?? string.Empty)}\"><td><a href=\"#{Id("pool", g.Pool ?? "-", g.Zone ?? "-")}\">{E(g.Pool ?? "(none)")}</a></td><td>{E(g.Zone ?? "(none)")}</td>");
                W($"<td class=\"num\" data-field=\"groupNodes\">{N(g.Nodes)}</td><td class=\"num\">{N(g.SpotNodes)}</td><td class=\"num\">{N(g.ChangedNodes)}</td><td class=\"num{(g.DrainedNodes > 0 ? " good" : string.Empty)}\">{N(g.DrainedNodes)}</td>");
                Meter(g.Before.Cpu, g.After.Cpu);
                Meter(g.Before.Memory, g.After.Memory);
                Meter(g.Before.Pods, g.After.Pods);
                W($"<td>{E(Range(nodes, n => n.Before.Cpu, includeDrained: true))} → {E(Range(nodes, n => n.After.Cpu, includeDrained: false))}</td></tr>\n");
            }

            W("</tbody></table>\n</section>\n");
        }

        /// <summary>
        /// Per pool and zone, its changed and drained nodes in detail (bars, pods moved out and in) and its unchanged
        /// nodes folded, as numbers only, to keep 5,000 nodes light.
        /// </summary>
        private void Nodes()
        {
            W("<section id=\"nodes\">\n<h2>Nodes <span class=\"dim\">(by pool and zone; changed nodes in detail, the others folded)</span></h2>\n");
            var nodesOf = report.Utilization.GroupBy(u => (u.Pool, u.Zone)).ToDictionary(g => g.Key, g => g.ToList());
            var outgoing = Count(report.Evictions.Select(e => e.Node));
            var incoming = Count(report.Evictions.Select(e => e.TargetNode));

            // Each group gets a share of the section's budget by its node count, and passes on what it does not use,
            // so a big first pool cannot leave the pools after it empty.
            long left = _nodeBudget;
            int nodesLeft = report.Utilization.Count;
            foreach (PoolUtilization g in report.UtilizationByPool)
            {
                var budget = new Budget(left * g.Nodes / Math.Max(1, nodesLeft));
                List<NodeUtilization> nodes = nodesOf[(g.Pool, g.Zone)];
                List<NodeUtilization> changed = nodes.Where(n => n.Changed || n.Drained).ToList();
                List<NodeUtilization> unchanged = nodes.Where(n => !(n.Changed || n.Drained)).ToList();
                W($"<details class=\"group\" id=\"{Id("pool", g.Pool ?? "-", g.Zone ?? "-")}\"{(changed.Count > 0 ? " open" : string.Empty)}><summary><b>{E(g.Pool ?? "(no pool)")}</b> · {E(g.Zone ?? "(no zone)")}: {E(ReportFormat.Plural(g.Nodes, "node", "nodes"))}, {N(changed.Count)} changed");
                W(g.DrainedNodes > 0 ? $", <span class=\"good\">{N(g.DrainedNodes)} drained</span>" : string.Empty).W("</summary>\n");
                if (changed.Count > 0)
                {
                    W("<table class=\"sortable nodes wide\"><thead><tr><th>Node</th><th>Marks</th><th>CPU</th><th>Memory</th><th>Pods</th><th class=\"num\">Pods out</th><th class=\"num\">Pods in</th></tr></thead><tbody>\n");
                    int shown = 0;
                    foreach (NodeUtilization n in changed)
                    {
                        string row = ChangedNodeRow(n, outgoing.GetValueOrDefault(n.Node), incoming.GetValueOrDefault(n.Node));
                        if (!budget.TryTake(row))
                        {
                            break;
                        }

                        W(row);
                        shown++;
                    }

                    W("</tbody></table>\n");
                    LeftOut(shown, changed.Count, "changed nodes");
                }

                if (unchanged.Count > 0)
                {
                    W($"<details class=\"unchanged\"><summary>{E(ReportFormat.Plural(unchanged.Count, "unchanged node", "unchanged nodes"))}</summary>\n");
                    W("<table class=\"sortable compact\"><thead><tr><th>Node</th><th>Marks</th><th class=\"num\">CPU</th><th class=\"num\">Memory</th><th class=\"num\">Pods</th></tr></thead><tbody>\n");
                    int shown = 0;
                    foreach (NodeUtilization n in unchanged)
                    {
                        string row = $"<tr><td>{E(n.Node)}</td><td>{Marks(n)}</td><td class=\"num\">{P(n.Before.Cpu)}</td><td class=\"num\">{P(n.Before.Memory)}</td><td class=\"num\">{P(n.Before.Pods)}</td></tr>\n";
                        if (!budget.TryTake(row))
                        {
                            break;
                        }

                        W(row);
                        shown++;
                    }

                    W("</tbody></table>\n");
                    LeftOut(shown, unchanged.Count, "unchanged nodes");
                    W("</details>\n");
                }

                W("</details>\n");
                left -= budget.Used;
                nodesLeft -= g.Nodes;
            }

            W("</section>\n");
        }

        private static string ChangedNodeRow(NodeUtilization n, int outgoing, int incoming)
        {
            var row = new StringBuilder(512);
            row.Append(CultureInfo.InvariantCulture, $"<tr class=\"{(n.Drained ? "drained" : "changed")}\"><td>{E(n.Node)}</td><td>{Marks(n)}</td>");
            row.Append(MeterCell(n.Before.Cpu, n.After.Cpu));
            row.Append(MeterCell(n.Before.Memory, n.After.Memory));
            row.Append(MeterCell(n.Before.Pods, n.After.Pods));
            row.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{N(outgoing)}</td><td class=\"num\">{N(incoming)}</td></tr>\n");
            return row.ToString();
        }

        private static string Marks(NodeUtilization n)
        {
            var marks = new List<string>(3);
            if (n.Drained)
            {
                marks.Add("<span class=\"tag drained\">drained</span>");
            }

            if (n.Spot)
            {
                marks.Add("<span class=\"tag spot\">spot</span>");
            }

            if (!n.Considered)
            {
                marks.Add("<span class=\"tag\" title=\"not Ready, or outside the policy's nodeSelector\">not considered</span>");
            }

            return string.Join(" ", marks);
        }

        private void Meter(decimal? before, decimal? after) => W(MeterCell(before, after));

        /// <summary>
        /// A cell with both values as numbers and as two bars. The numbers carry the meaning; the bars (CSS backgrounds
        /// sized by the two custom properties, a few bytes per cell, which matters at 5,000 nodes) let a reader scan a
        /// column. <c>data-sort</c> holds the after value so sorting orders by the result of the plan.
        /// </summary>
        private static string MeterCell(decimal? before, decimal? after)
        {
            static string Fraction(decimal? v) => v is decimal d ? D(Math.Round(Math.Clamp(d, 0m, 100m) / 100m, 3, MidpointRounding.AwayFromZero)) : "0";
            string tone = after is decimal a ? a > 100m ? " o" : a >= 85m ? " h" : string.Empty : string.Empty;
            return $"<td class=\"g{tone}\" data-sort=\"{(after is decimal s ? D(s) : "-1")}\" style=\"--b:{Fraction(before)};--a:{Fraction(after)}\">{E(ReportFormat.Change(before, after, "→"))}</td>";
        }

        private static string Range(List<NodeUtilization> nodes, Func<NodeUtilization, decimal?> value, bool includeDrained)
        {
            List<decimal> values = nodes.Where(n => includeDrained || !n.Drained).Select(value).OfType<decimal>().ToList();
            return values.Count == 0 ? "n/a" : ReportFormat.Percent(values.Min()) + "–" + ReportFormat.Percent(values.Max());
        }

        private static Dictionary<string, int> Count(IEnumerable<string?> nodes)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string? node in nodes)
            {
                if (node is not null)
                {
                    counts[node] = counts.GetValueOrDefault(node) + 1;
                }
            }

            return counts;
        }

        /// <summary>Evictions per plugin run, each in execution order (the planner runs plugins one after another).</summary>
        private void Evictions()
        {
            W($"<section id=\"evictions\">\n<h2>Evictions <span class=\"dim\">(<span data-field=\"evictionRows\">{N(report.Evictions.Count)}</span>, by plugin, in execution order)</span></h2>\n");
            if (report.Evictions.Count == 0)
            {
                W("<p>No evictions planned.</p>\n</section>\n");
                return;
            }

            bool outcomes = report.HasOutcomes;
            var index = new Dictionary<ReportEviction, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < report.Evictions.Count; i++)
            {
                index[report.Evictions[i]] = i + 1;
            }

            foreach (IGrouping<(string Profile, string Plugin), ReportEviction> group in GroupByPlugin(report.Evictions, e => (e.Profile, e.Plugin)))
            {
                List<ReportEviction> list = group.ToList();
                W($"<details open id=\"{Id("evictions", group.Key.Profile, group.Key.Plugin)}\" data-plugin=\"{E(group.Key.Plugin)}\"><summary><b>{E(ReportFormat.Plugin(group.Key.Profile, group.Key.Plugin, _showProfile))}</b>: <span data-field=\"pluginEvictions\">{N(list.Count)}</span> {(list.Count == 1 ? "eviction" : "evictions")}</summary>\n");
                W("<table class=\"sortable evictions wide\"><thead><tr><th class=\"num\">#</th><th>Pod</th><th>From</th><th>To</th>");
                W(outcomes ? "<th>Outcome</th>" : string.Empty).W("<th>Reason</th></tr></thead><tbody>\n");
                int shown = 0;
                foreach (ReportEviction e in list)
                {
                    string row = $"<tr><td class=\"num\">{N(index[e])}</td><td class=\"pod\">{E(e.Key)}</td><td class=\"node\">{E(e.Node ?? "-")}</td><td class=\"node\">{E(e.TargetNode ?? "-")}</td>"
                        + (outcomes ? $"<td>{E(ReportFormat.Outcome(e.Outcome))}</td>" : string.Empty)
                        + $"<td class=\"reason\">{E(e.Reason)}</td></tr>\n";
                    if (!_evictions.TryTake(row))
                    {
                        break;
                    }

                    W(row);
                    shown++;
                }

                W("</tbody></table>\n");
                LeftOut(shown, list.Count, "evictions");
                W("</details>\n");
            }

            W("</section>\n");
        }

        /// <summary>Counts per plugin and reason for every skip, then the individual skips per plugin, folded.</summary>
        private void Skipped()
        {
            W($"<section id=\"skipped\">\n<h2>Skipped <span class=\"dim\">(<span data-field=\"skipRows\">{N(report.Skipped.Count)}</span> skip records, by plugin and reason)</span></h2>\n");
            if (report.Skipped.Count == 0)
            {
                W("<p>No pod was skipped.</p>\n</section>\n");
                return;
            }

            W("<table class=\"sortable\" id=\"skip-counts\"><thead><tr><th>Plugin</th><th>Reason</th><th class=\"num\">Count</th></tr></thead><tbody>\n");
            foreach (PluginReasonCount c in report.SkippedByPluginAndReason)
            {
                W($"<tr><td>{E(ReportFormat.Plugin(c.Profile, c.Plugin, _showProfile))}</td><td><code>{E(c.Reason)}</code></td><td class=\"num\" data-field=\"skipCount\">{N(c.Count)}</td></tr>\n");
            }

            W("</tbody></table>\n");
            foreach (IGrouping<(string Profile, string Plugin), ReportSkip> group in GroupByPlugin(report.Skipped, s => (s.Profile, s.Plugin)))
            {
                List<ReportSkip> list = group.ToList();
                W($"<details id=\"{Id("skipped", group.Key.Profile, group.Key.Plugin)}\"><summary><b>{E(ReportFormat.Plugin(group.Key.Profile, group.Key.Plugin, _showProfile))}</b>: {E(ReportFormat.Plural(list.Count, "skip", "skips"))}</summary>\n");
                W("<table class=\"sortable skips wide\"><thead><tr><th>Pod</th><th>Node</th><th>Reason</th><th>Detail</th></tr></thead><tbody>\n");

                // Grouped by reason (most frequent first, as in the counts table), plan order within a reason; each
                // reason is capped so one flood (e.g. thousands of DaemonSet pods) does not hide the rarer reasons.
                int shown = 0;
                bool full = false;
                foreach (IGrouping<string, ReportSkip> reason in list.GroupBy(s => s.Reason, StringComparer.Ordinal).OrderByDescending(r => r.Count()).ThenBy(r => r.Key, StringComparer.Ordinal))
                {
                    foreach (ReportSkip s in reason.Take(settings.MaxSkipsPerReason))
                    {
                        string row = $"<tr><td class=\"pod\">{E(s.Key)}</td><td class=\"node\">{E(s.Node ?? "-")}</td><td><code>{E(s.Reason)}</code></td><td class=\"reason\">{E(s.Detail)}</td></tr>\n";
                        if (!_skips.TryTake(row))
                        {
                            full = true;
                            break;
                        }

                        W(row);
                        shown++;
                    }

                    if (full)
                    {
                        break;
                    }
                }

                W("</tbody></table>\n");
                LeftOut(shown, list.Count, "skips");
                W("</details>\n");
            }

            W("</section>\n");
        }

        private void SpotFloors()
        {
            if (report.Spot is not ReportSpot spot)
            {
                return;
            }

            List<(string Workload, string Replicas, string Floor, string Before, string After)> rows = ReportFormat.FloorRows(spot);
            if (rows.Count == 0)
            {
                return;
            }

            W($"<section id=\"floors\">\n<h2>Workloads below their on-demand floor <span class=\"dim\">({N(rows.Count)})</span></h2>\n");
            W("<table class=\"sortable\"><thead><tr><th>Workload</th><th class=\"num\">Replicas</th><th class=\"num\">Floor</th><th class=\"num\">On-demand before</th><th class=\"num\">After</th></tr></thead><tbody>\n");
            int shown = 0;
            foreach ((string workload, string replicas, string floor, string before, string after) in rows.Take(settings.MaxSectionRows))
            {
                string row = $"<tr><td>{E(workload)}</td><td class=\"num\">{E(replicas)}</td><td class=\"num\">{E(floor)}</td><td class=\"num\">{E(before)}</td><td class=\"num {(after == "ok" ? "good" : "bad")}\">{E(after)}</td></tr>\n";
                if (!_other.TryTake(row))
                {
                    break;
                }

                W(row);
                shown++;
            }

            W("</tbody></table>\n");
            LeftOut(shown, rows.Count, "workloads");
            W("</section>\n");
        }

        private void DrainedNodes()
        {
            if (report.Consolidation is not { Drained.Count: > 0 } c)
            {
                return;
            }

            W($"<section id=\"drained\">\n<h2>Drained nodes <span class=\"dim\">(in the order Consolidation chose them)</span></h2>\n");
            W("<table class=\"sortable\"><thead><tr><th>Node</th><th class=\"num\">Pods</th><th>Moved to</th></tr></thead><tbody>\n");
            int shown = 0;
            foreach (ReportDrainedNode d in c.Drained.Take(settings.MaxSectionRows))
            {
                string row = $"<tr class=\"drained\"><td>{E(d.Node ?? "-")}</td><td class=\"num\">{N(d.Moves.Count)}</td><td>{E(ReportFormat.Targets(d, 6))}</td></tr>\n";
                if (!_other.TryTake(row))
                {
                    break;
                }

                W(row);
                shown++;
            }

            W("</tbody></table>\n");
            LeftOut(shown, c.Drained.Count, "drained nodes");
            W("</section>\n");
        }

        private void Messages(string id, string title, IReadOnlyList<ReportMessage> messages)
        {
            W($"<section id=\"{id}\">\n<h2>{title} <span class=\"dim\">({N(messages.Count)})</span></h2>\n");
            if (messages.Count == 0)
            {
                W("<p class=\"dim\">None.</p>\n</section>\n");
                return;
            }

            W($"<ul class=\"{id}\">\n");
            int shown = 0;
            foreach (ReportMessage m in messages.Take(settings.MaxSectionRows))
            {
                string row = $"<li><b>{E(ReportFormat.Origin(m))}</b>: {E(m.Message)}</li>\n";
                if (!_other.TryTake(row))
                {
                    break;
                }

                W(row);
                shown++;
            }

            W("</ul>\n");
            LeftOut(shown, messages.Count, id);
            W("</section>\n");
        }

        private void Footer()
        {
            W($"<footer>Rebalancer {E(report.Context.Version)}; plan clock {E(ReportFormat.Timestamp(report.Now))}. ");
            W("The JSON report (<code>--output json</code>) lists every eviction, skip and node.</footer>\n");
            W("<script>\n").W(Script).W("</script>\n</body>\n</html>\n");
        }

        private void LeftOut(int shown, int total, string noun)
        {
            if (shown < total)
            {
                W($"<p class=\"note\" data-field=\"leftOut\">The first {N(shown)} of {N(total)} {E(noun)} are shown; the JSON report lists all.</p>\n");
            }
        }

        /// <summary>Items grouped by plugin run, groups in order of first appearance (for evictions: execution order).</summary>
        private static IEnumerable<IGrouping<(string, string), T>> GroupByPlugin<T>(IEnumerable<T> items, Func<T, (string, string)> key) =>
            items.GroupBy(key);

        private Page W(string text)
        {
            _html.Append(text);
            return this;
        }
    }

    /// <summary>A running UTF-8 size for the rows of one section.</summary>
    private sealed class Budget(long limit)
    {
        public long Used { get; private set; }

        public bool TryTake(string row)
        {
            int bytes = Encoding.UTF8.GetByteCount(row);
            if (Used + bytes > limit)
            {
                return false;
            }

            Used += bytes;
            return true;
        }
    }

    private static string N(int value) => ReportFormat.Count(value);

    private static string P(decimal? value) => E(ReportFormat.Percent(value));

    /// <summary>An invariant decimal for attributes and styles (<c>0.6571</c>, <c>45.3</c>).</summary>
    private static string D(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>
    /// An id for an anchor, from names that may hold anything: lowercase letters and digits kept, every other character
    /// spelled as its code, so distinct names give distinct ids and no id needs escaping.
    /// </summary>
    internal static string Id(string prefix, params string[] parts)
    {
        var sb = new StringBuilder(prefix);
        foreach (string part in parts)
        {
            sb.Append("--");
            foreach (char c in part)
            {
                if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
                {
                    sb.Append(c);
                }
                else
                {
                    sb.Append('_').Append(((int)c).ToString("x", CultureInfo.InvariantCulture)).Append('_');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Text for element content and double-quoted attributes: the five HTML specials escaped, and characters HTML does
    /// not allow in a document (controls other than tab, newline and return; lone surrogates; noncharacters) replaced by
    /// U+FFFD, so no value from the cluster can add markup, end an attribute or make the page invalid.
    /// </summary>
    internal static string E(string value)
    {
        int i = 0;
        while (i < value.Length && IsPlain(value[i]))
        {
            i++;
        }

        if (i == value.Length)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 16);
        sb.Append(value, 0, i);
        for (; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '\t' or '\n' or '\r': sb.Append(c); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        int codePoint = char.ConvertToUtf32(c, value[i + 1]);
                        if ((codePoint & 0xFFFE) == 0xFFFE)
                        {
                            sb.Append('\uFFFD');
                        }
                        else
                        {
                            sb.Append(c).Append(value[i + 1]);
                        }

                        i++;
                    }
                    else if (char.IsSurrogate(c) || char.IsControl(c) || c is (>= '\uFDD0' and <= '\uFDEF') or '\uFFFE' or '\uFFFF')
                    {
                        sb.Append('\uFFFD');
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    private static bool IsPlain(char c) =>
        c is not ('&' or '<' or '>' or '"' or '\'') && !char.IsControl(c) && !char.IsSurrogate(c) && c < '\uFDD0';

    private const string Css = """
        :root{--fg:#1f2328;--dim:#656d76;--line:#d0d7de;--bg2:#f6f8fa;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e;--before:#57606a;--after:#0969da;--high:#bf8700;--track:#eaeef2}
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);margin:0 auto;padding:16px 24px;max-width:1600px}
        h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:22px 0 8px}.panel h2{margin-top:0}
        code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg2);padding:0 3px;border-radius:4px}
        .dim{color:var(--dim);font-weight:normal}.small{font-size:12.5px}.good{color:var(--good)}.warn{color:var(--warn)}.bad{color:var(--bad);font-weight:600}
        dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}dl.meta dt{color:var(--dim)}dl.meta dd{margin:0;overflow-wrap:anywhere}
        nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:6px 0;z-index:1}nav a{margin-right:14px}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:150px}
        .card .big{font-size:26px;font-weight:600}.card.good .big{color:var(--good)}.card.warn .big{color:var(--warn)}.card.bad .big{color:var(--bad)}
        .panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(400px,1fr));gap:12px;margin-top:16px}
        .panel{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
        dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:6px 0}dl.kv dt{color:var(--dim)}dl.kv dd{margin:0}
        svg.gauge{width:100%;max-width:460px;height:auto;font-size:12px}svg text{fill:var(--fg)}svg .val{font-weight:600}svg .axis{fill:var(--dim);font-size:11px}
        svg .track{fill:var(--bg2);stroke:var(--line)}svg .under{fill:var(--good)}svg .over{fill:var(--bad)}svg .before{fill:var(--before)}svg .after{fill:var(--after)}
        svg .limit{stroke:var(--fg);stroke-width:2;stroke-dasharray:4 3}svg .limit-label{font-size:11px;font-weight:600}svg .ffd{stroke:var(--dim);stroke-width:1.5;stroke-dasharray:1 2}
        table{border-collapse:collapse;margin:6px 0 10px}table.wide{width:100%}th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
        th{background:var(--bg2);font-weight:600;white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        .scenario{margin:4px 0 8px}table.verdict{margin:2px 0 0 8px}table.verdict th{background:none;color:var(--dim);font-weight:normal;border:0;padding:1px 8px 1px 0}table.verdict td{border:0;padding:1px 0}
        td{overflow-wrap:anywhere}td.pod{min-width:14em}td.node{min-width:17em}td.reason{min-width:320px}
        td.g{--c:var(--after);min-width:150px;white-space:nowrap;font-variant-numeric:tabular-nums;font-size:12.5px;padding-top:17px;
          background:linear-gradient(var(--before),var(--before)) 8px 5px/calc((100% - 16px)*var(--b)) 3px no-repeat,
            linear-gradient(var(--c),var(--c)) 8px 9px/calc((100% - 16px)*var(--a)) 5px no-repeat,
            linear-gradient(var(--track),var(--track)) 8px 4px/calc(100% - 16px) 11px no-repeat}
        td.g.h{--c:var(--high)}td.g.o{--c:var(--bad)}
        tr.drained td{background-color:#dafbe1}.tag{display:inline-block;font-size:11px;border:1px solid var(--line);border-radius:10px;padding:0 6px;color:var(--dim);white-space:nowrap}
        .tag.drained{color:#fff;background:var(--good);border-color:var(--good)}.tag.spot{color:#8250df;border-color:#c297ff}
        details{margin:6px 0}details>summary{cursor:pointer;padding:3px 0}details.group{border-left:3px solid var(--line);padding-left:10px}details.unchanged{margin-left:8px}
        .note{color:var(--warn);font-style:italic}footer{margin-top:28px;color:var(--dim);font-size:12.5px;border-top:1px solid var(--line);padding-top:8px}
        .js th.sort{cursor:pointer}.js th.sort:after{content:" ↕";color:var(--dim);font-weight:normal}
        @media print{nav{position:static}details{display:block}}

        """;

    /// <summary>
    /// Sorting by a click on a column header (numbers numerically, by <c>data-sort</c> when a cell has one). The page is
    /// complete without it; it touches no data but the table's own cells.
    /// </summary>
    private const string Script = """
        document.documentElement.classList.add("js");
        document.querySelectorAll("table.sortable").forEach(function (table) {
          var heads = table.tHead ? table.tHead.rows[0].cells : [];
          Array.prototype.forEach.call(heads, function (th, col) {
            th.classList.add("sort");
            th.title = "Sort";
            th.addEventListener("click", function () {
              var body = table.tBodies[0], asc = th.dataset.dir !== "asc";
              Array.prototype.forEach.call(heads, function (h) { delete h.dataset.dir; });
              th.dataset.dir = asc ? "asc" : "desc";
              var key = function (row) {
                var cell = row.cells[col]; if (!cell) { return ""; }
                var text = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
                var n = parseFloat(text.replace(/[%,]/g, ""));
                return isNaN(n) || !/^-?[\d.,]+%?$/.test(text.split(" ")[0]) ? text.toLowerCase() : n;
              };
              var rows = Array.prototype.slice.call(body.rows).map(function (r, i) { return [key(r), i, r]; });
              rows.sort(function (a, b) {
                var x = a[0], y = b[0], c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
                return (asc ? c : -c) || a[1] - b[1];
              });
              rows.forEach(function (r) { body.appendChild(r[2]); });
            });
          });
        });

        """;
}
