using k8s;
using k8s.Models;

namespace Rebalancer.Deploy.Tests;

/// <summary>One permission: an API group, a resource (or resource/subresource), a verb, and the one object it is limited to (null: any).</summary>
internal sealed record Grant(string ApiGroup, string Resource, string Verb, string? Name = null)
{
    public override string ToString() => $"{Verb} {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource}" + (Name is null ? string.Empty : $" named {Name}");

    /// <summary>Every (group, resource, verb) a role's rules allow, one per combination, so sets can be compared exactly.</summary>
    public static SortedSet<string> Of(V1ClusterRole role) => Of(role.Metadata.Name, role.Rules);

    public static SortedSet<string> Of(V1Role role) => Of(role.Metadata.Name, role.Rules);

    private static SortedSet<string> Of(string role, IEnumerable<V1PolicyRule>? rules)
    {
        var grants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (V1PolicyRule rule in rules ?? [])
        {
            // URL-scoped rules are not part of the design: any would show up here as a difference.
            Assert.True(rule.NonResourceURLs is null or { Count: 0 }, $"{role}: nonResourceURLs are not expected");
            foreach (string group in rule.ApiGroups ?? [])
            {
                foreach (string resource in rule.Resources ?? [])
                {
                    foreach (string verb in rule.Verbs)
                    {
                        foreach (string? name in rule.ResourceNames is { Count: > 0 } names ? names : [null])
                        {
                            grants.Add(new Grant(group, resource, verb, name).ToString());
                        }
                    }
                }
            }
        }

        return grants;
    }
}

/// <summary>The RBAC of every deployable combination is exactly what the code calls (docs/deployment.md, RBAC).</summary>
public sealed class RbacTests
{
    /// <summary>The reads of <c>rebalancer run</c>: src/Rebalancer.Kubernetes/Live/ApiLists.cs (paged LISTs only).</summary>
    private static readonly Grant[] Reads =
    [
        new("", "nodes", "list"),
        new("", "namespaces", "list"),
        new("", "pods", "list"),
        new("", "persistentvolumeclaims", "list"),
        new("policy", "poddisruptionbudgets", "list"),
        new("scheduling.k8s.io", "priorityclasses", "list"),
        new("metrics.k8s.io", "nodes", "list"),
        new("metrics.k8s.io", "pods", "list"),

        // The inventory kinds (ApiResource.Core: deployments… resourcequotas).
        new("apps", "deployments", "list"),
        new("apps", "replicasets", "list"),
        new("apps", "statefulsets", "list"),
        new("apps", "daemonsets", "list"),
        new("batch", "jobs", "list"),
        new("batch", "cronjobs", "list"),
        new("autoscaling", "horizontalpodautoscalers", "list"),
        new("", "persistentvolumes", "list"),
        new("", "limitranges", "list"),
        new("", "resourcequotas", "list"),
    ];

    /// <summary>The writes of a real run: EvictionApi.cs (evictions, Consolidation's cordons, on by default), EventRecorder.cs.</summary>
    private static readonly Grant[] Writes = [new("", "pods/eviction", "create"), new("", "nodes", "patch"), new("events.k8s.io", "events", "create")];

    /// <summary>The run's lease, in the job's namespace: RunLease.cs.</summary>
    private static readonly Grant[] Lease =
        [new("coordination.k8s.io", "leases", "create"), new("coordination.k8s.io", "leases", "get", "rebalancer"), new("coordination.k8s.io", "leases", "update", "rebalancer")];

    /// <summary>Each target's ClusterRole grants and its namespaced Role's (none for a client dry run, which writes nothing).</summary>
    public static TheoryData<string, string[], string[]> Targets => new()
    {
        { "base", Names(Reads, Writes), Names(Lease) },
        { "overlays/cronjob", Names(Reads, Writes), Names(Lease) },
        { "overlays/job", Names(Reads, Writes), Names(Lease) },
        { "overlays/dry-run", Names(Reads), [] },

        // The cordon component is kept for overlays that list it; it adds nothing now that cordoning is the default.
        { "overlays/cronjob+components/cordon", Names(Reads, Writes), Names(Lease) },
        { "overlays/job+components/cordon", Names(Reads, Writes), Names(Lease) },
        { "overlays/dry-run+components/cordon", Names(Reads), [] },
    };

    [KubectlTheory]
    [MemberData(nameof(Targets))]
    public void Roles_Should_GrantExactlyTheListedPermissions(string target, string[] cluster, string[] lease)
    {
        Rendered rendered = Kustomize.Render(target);

        V1ClusterRole role = Assert.Single(rendered.All<V1ClusterRole>());
        Assert.Equal(cluster.Order(StringComparer.Ordinal), Grant.Of(role));
        Assert.Equal(lease.Order(StringComparer.Ordinal), rendered.All<V1Role>().SelectMany(Grant.Of).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string> TargetNames => [.. Targets.Select(row => (string)row[0])];

    [KubectlFact]
    public void CordonComponent_Should_ChangeNothing_When_AddedToAnOverlay()
    {
        // Kept as a no-op so overlays that list it still build: the rendered output is the overlay's own.
        Assert.Equal(Kustomize.Render("overlays/cronjob").Yaml, Kustomize.Render("overlays/cronjob+components/cordon").Yaml);
    }

    [KubectlTheory]
    [MemberData(nameof(TargetNames))]
    public void Rbac_Should_BindOnlyTheRebalancerServiceAccount_When_Rendered(string target)
    {
        Rendered rendered = Kustomize.Render(target);

        // Extra roles or bindings would be permissions the table above does not see.
        V1ClusterRole role = Assert.Single(rendered.All<V1ClusterRole>());
        V1ClusterRoleBinding binding = Assert.Single(rendered.All<V1ClusterRoleBinding>());
        V1ServiceAccount account = Assert.Single(rendered.All<V1ServiceAccount>());
        Assert.Equal(("rbac.authorization.k8s.io", "ClusterRole", role.Metadata.Name), (binding.RoleRef.ApiGroup, binding.RoleRef.Kind, binding.RoleRef.Name));
        Rbacv1Subject subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, account.Metadata.NamespaceProperty), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.Equal("rebalancer", account.Metadata.NamespaceProperty);

        // The lease's Role lives in the job's own namespace (where the pod takes its lease by default) and binds only it.
        Assert.Equal(rendered.All<V1Role>().Count(), rendered.All<V1RoleBinding>().Count());
        foreach (V1RoleBinding leaseBinding in rendered.All<V1RoleBinding>())
        {
            V1Role leaseRole = rendered.Single<V1Role>(leaseBinding.RoleRef.Name);
            Assert.Equal(("Role", account.Metadata.NamespaceProperty, account.Metadata.NamespaceProperty),
                (leaseBinding.RoleRef.Kind, leaseRole.Metadata.NamespaceProperty, leaseBinding.Metadata.NamespaceProperty));
            Rbacv1Subject leaseSubject = Assert.Single(leaseBinding.Subjects);
            Assert.Equal(("ServiceAccount", account.Metadata.Name, account.Metadata.NamespaceProperty), (leaseSubject.Kind, leaseSubject.Name, leaseSubject.NamespaceProperty));
        }
    }

    [KubectlFact]
    public void ClusterRoleCheck_Should_Fail_When_ARuleGainsAVerb()
    {
        // The comparison above must be able to fail: the same role with one more verb is a different grant set.
        V1ClusterRole role = Assert.Single(Kustomize.Render("overlays/cronjob").All<V1ClusterRole>());
        V1ClusterRole widened = KubernetesYaml.Deserialize<V1ClusterRole>(KubernetesYaml.Serialize(role));
        widened.Rules[0].Verbs.Add("watch");

        Assert.NotEqual(Grant.Of(role), Grant.Of(widened));
        Assert.Contains("watch core/nodes", Grant.Of(widened));
    }

    private static string[] Names(params Grant[][] groups) => [.. groups.SelectMany(g => g).Select(g => g.ToString())];
}
