using System.Text.Json;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>
/// Safety under randomized fault schedules (429/500/503, dropped connections, latency) and a cluster that changes
/// between the snapshot and the evictions (pods deleted or replaced). Whatever happens: no PodDisruptionBudget goes
/// below its floor, no limit is exceeded, and no pod whose uid changed is evicted. Checked on the server's own state
/// and journal, not on what the executor says.
/// </summary>
public sealed class ExecutorSafetyTests
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";
    private const uint MaxPerNode = 4;
    private const uint MaxTotal = 9;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Execute_Should_KeepEveryBudgetLimitAndUid_When_FaultsAndChangesAreRandom(int seed)
    {
        var random = new Random(seed);
        string[] apps = ["api", "web", "worker"];
        var objects = new List<string> { Node("n1"), Node("n2"), Node("n3") };
        foreach (string app in apps)
        {
            for (int i = 0; i < 5; i++)
            {
                objects.Add(Pod($"{app}-{i}", app: app, node: $"n{1 + random.Next(3)}"));
            }

            objects.Add(Pdb($"{app}-pdb", app: app, minAvailable: 2 + random.Next(3)));
        }

        for (int i = 0; i < 4; i++)
        {
            objects.Add(Pod($"free-{i}", app: "free", node: $"n{1 + random.Next(3)}"));
        }

        await using TestApiServer server = await StartAsync(List([.. objects]));
        ClusterSnapshot snapshot = await ReadAsync(server);

        // The floor of each PDB: its pods' names and how many may go, as the snapshot says.
        var pdbPods = new Dictionary<string, HashSet<string>>();
        var floor = new Dictionary<string, int>();
        foreach (PdbRecord pdb in snapshot.Pdbs)
        {
            string app = pdb.Name[..^"-pdb".Length];
            pdbPods[pdb.Name] = Enumerable.Range(0, 5).Select(i => $"{app}-{i}").ToHashSet();
            floor[pdb.Name] = pdb.DisruptionsAllowed;
        }

        // A plan that asks for everything, in random order: the executor must refuse what budgets and limits forbid.
        string[] order = Enumerable.Range(0, snapshot.Pods.Count).Select(snapshot.PodKey).OrderBy(_ => random.Next()).ToArray();
        Plan plan = PlanOf(snapshot, order);

        // Between the snapshot and the evictions: some pods go away, some are replaced by new ones with the same name.
        var replaced = new HashSet<string>();
        foreach (string key in order.OrderBy(_ => random.Next()).Take(4))
        {
            string name = key.Split('/')[1];
            server.Store.Delete("pods", Ns, name);
            if (random.Next(2) == 0)
            {
                string app = name[..name.LastIndexOf('-')];
                server.Store.Put(Pod(name, app: app, node: "n1", uid: "uid-new-" + name));
                replaced.Add(name);
            }
        }

        server.Faults.FailWith(429, "POST", EvictionPath, rate: 0.15, retryAfterSeconds: 1);
        server.Faults.FailWith(500, "POST", EvictionPath, rate: 0.1, reason: "InternalError");
        server.Faults.FailWith(503, "POST", EvictionPath, rate: 0.1);
        server.Faults.Abort("POST", EvictionPath, rate: 0.05);
        server.Faults.Delay(TimeSpan.FromMilliseconds(20), "POST", EvictionPath, rate: 0.3);

        var options = FastOptions() with
        {
            MaxConcurrency = 3,
            MaxRetries = 2,
            MaxConsecutiveFailures = 100,
            MaxPodsToEvictPerNode = MaxPerNode,
            MaxPodsToEvictTotal = MaxTotal,
        };
        using KubernetesConnection connection = Connect(server);
        ExecutionResult result = await Executor(server, connection, options, new AutoAdvancingTimeProvider()).ExecuteAsync(plan, Timeout(120));

        // What the server actually evicted: 2xx answers to eviction requests.
        List<(string Name, string Uid)> evicted = Evictions(server)
            .Where(e => e.StatusCode is >= 200 and < 300)
            .Select(e =>
            {
                using JsonDocument body = JsonDocument.Parse(e.Body!);
                return (body.RootElement.GetProperty("metadata").GetProperty("name").GetString()!,
                    body.RootElement.GetProperty("deleteOptions").GetProperty("preconditions").GetProperty("uid").GetString()!);
            })
            .ToList();

        foreach ((string pdb, HashSet<string> pods) in pdbPods)
        {
            int spent = evicted.Select(e => e.Name).Distinct().Count(pods.Contains);
            Assert.True(spent <= floor[pdb], $"seed {seed}: {pdb} allowed {floor[pdb]} disruptions, {spent} happened");
        }

        Assert.True(evicted.Select(e => e.Name).Distinct().Count() <= MaxTotal, $"seed {seed}: more than {MaxTotal} evictions");
        foreach (IGrouping<int, string> node in evicted.Select(e => e.Name).Distinct().GroupBy(name => snapshot.Pods.Node[IndexOf(snapshot, name)]))
        {
            Assert.True(node.Count() <= MaxPerNode, $"seed {seed}: {node.Count()} evictions from node {snapshot.Nodes.Name[node.Key]}");
        }

        foreach (string name in replaced)
        {
            Assert.True(PodExists(server, Ns, name), $"seed {seed}: the replacement of {name} was evicted");
            Assert.DoesNotContain(evicted, e => e.Uid == "uid-new-" + name);
        }

        // Every success the executor reports happened on the server, and the run finished without leaving anything unsettled.
        Assert.All(result.Outcomes, o => Assert.NotEqual(EvictionOutcomeKind.NotAttempted, o.Outcome));
        Assert.True(result.Count(EvictionOutcomeKind.Evicted) <= evicted.Count);
    }

    private static int IndexOf(ClusterSnapshot snapshot, string name) =>
        Enumerable.Range(0, snapshot.Pods.Count).Single(p => snapshot.Pods.Name[p] == name);
}
