using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Tests.Snapshots;
using Rebalancer.Testing.ApiServer;
using Rebalancer.Testing.Builders;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>The real kubectl v1.32 on the inventory kinds of the test server: <c>kubectl get</c> tables and the README's snapshot command.</summary>
public sealed class KubectlInventoryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static async Task<TestApiServer> StartAsync()
    {
        TestApiServer server = await TestApiServer.StartAsync(new TestApiServerOptions { InferWorkloadControllers = false });
        server.Store.LoadJson(SnapshotTestKit.List(InventoryFixtures.All));
        return server;
    }

    public static TheoryData<string, string, string> Tables => new()
    {
        { "deployments", @"^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$", @"^shop\s+web\s+2/3\s+0\s+2\s+\S+$" },
        { "replicasets", @"^NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$", @"^shop\s+web-abc\s+3\s+3\s+3\s+\S+$" },
        { "statefulsets", @"^NAMESPACE\s+NAME\s+READY\s+AGE$", @"^shop\s+db\s+1/1\s+\S+$" },
        { "daemonsets", @"^NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$", @"^kube-system\s+agent\s+6\s+5\s+4\s+0\s+4\s+<none>\s+\S+$" },
        { "jobs", @"^NAMESPACE\s+NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$", @"^shop\s+nightly-1\s+Complete\s+1/1\s+3m59s\s+\S+$" },
        { "cronjobs", @"^NAMESPACE\s+NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$", @"^shop\s+nightly\s+0 3 \* \* \*\s+Europe/Paris\s+False\s+1\s+\S+\s+\S+$" },
        { "hpa", @"^NAMESPACE\s+NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$",
            @"^shop\s+web\s+Deployment/web\s+cpu: <unknown>/70%, memory: <unknown>/400Mi \+ 1 more...\s+2\s+10\s+3\s+\S+$" },
        { "pv", @"^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$",
            @"^pv-data-db-0\s+10Gi\s+RWO\s+Delete\s+Bound\s+shop/data-db-0\s+gp3\s+<unset>\s+\S+$" },
        { "pvc", @"^NAMESPACE\s+NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$",
            @"^shop\s+data-db-0\s+Bound\s+pv-data-db-0\s+10Gi\s+RWO\s+gp3\s+<unset>\s+\S+$" },
        { "limitranges", @"^NAMESPACE\s+NAME\s+CREATED AT$", @"^shop\s+defaults\s+2025-02-03T04:05:06Z$" },
        { "resourcequotas", @"^NAMESPACE\s+NAME\s+AGE\s+REQUEST\s+LIMIT$", @"^shop\s+compute\s+\S+\s+requests.cpu: 3250m/20\s*$" },
    };

    [KubectlTheory]
    [MemberData(nameof(Tables))]
    public async Task Get_prints_kubectls_columns(string resource, string header, string row)
    {
        await using TestApiServer server = await StartAsync();
        using var kubectl = new Kubectl(server);

        KubectlResult result = await kubectl.RunAsync(["get", resource, "-A", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToArray();
        Assert.Matches(header, lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, row));
    }

    [KubectlFact]
    public async Task Get_wide_shows_containers_images_and_selector()
    {
        await using TestApiServer server = await StartAsync();
        using var kubectl = new Kubectl(server);

        KubectlResult result = await kubectl.RunAsync(["get", "deploy", "web", "-n", "shop", "-o", "wide", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"web\s+2/3\s+0\s+2\s+\S+\s+app\s+web:1\s+app=web,tier notin \(batch\)", result.Output);
    }

    [KubectlFact]
    public async Task The_readme_snapshot_command_gives_a_file_the_loader_reads_whole()
    {
        await using TestApiServer server = await StartAsync();
        using var kubectl = new Kubectl(server);

        KubectlResult result = await kubectl.RunAsync(
            ["get", "nodes,pods,pdb,namespaces,priorityclasses,deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,hpa,pv,pvc,limitranges,resourcequotas",
             "-A", "-o", "json", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        SnapshotLoadResult loaded = SnapshotLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(result.Output)), "kubectl.json");
        ClusterSnapshot file = SnapshotLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(SnapshotTestKit.List(InventoryFixtures.All))), "fixtures.json").Snapshot;
        Assert.Empty(loaded.Warnings);
        Assert.Equal(Inventory(file), Inventory(loaded.Snapshot));
    }

    private static string Inventory(ClusterSnapshot s) =>
        string.Join('\n', InventoryText.Describe(s).Split('\n').Where(line => !line.StartsWith("namespace ", StringComparison.Ordinal) && !line.StartsWith("kinds ", StringComparison.Ordinal)));
}

/// <summary>A theory that is skipped, with a reason, when kubectl is not on PATH (as <see cref="KubectlFactAttribute"/>).</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (Kubectl.Executable is null)
        {
            Skip = "kubectl is not on PATH: the kubectl-against-the-test-server tests need kubectl v1.32 (any dispatcher or plain binary)";
        }
    }
}
