using k8s;
using k8s.Models;

namespace Rebalancer.Deploy.Tests;

/// <summary>One permission: an API group, a resource (or resource/subresource) and a verb.</summary>
internal sealed record Grant(string ApiGroup, string Resource, string Verb)
{
    public override string ToString() => $"{Verb} {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource}";

    /// <summary>Every (group, resource, verb) a role's rules allow, one per combination, so sets can be compared exactly.</summary>
    public static SortedSet<string> Of(V1ClusterRole role)
    {
        var grants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (V1PolicyRule rule in role.Rules ?? [])
        {
            // Name- or URL-scoped rules are not part of the design: any would show up here as a difference.
            Assert.True(rule.ResourceNames is null or { Count: 0 }, $"{role.Metadata.Name}: resourceNames are not expected");
            Assert.True(rule.NonResourceURLs is null or { Count: 0 }, $"{role.Metadata.Name}: nonResourceURLs are not expected");
            foreach (string group in rule.ApiGroups ?? [])
            {
                foreach (string resource in rule.Resources ?? [])
                {
                    foreach (string verb in rule.Verbs)
                    {
                        grants.Add(new Grant(group, resource, verb).ToString());
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

    private static readonly Grant[] Evict = [new("", "pods/eviction", "create")];

    private static readonly Grant[] Cordon = [new("", "nodes", "patch")];

    public static TheoryData<string, string[]> Targets => new()
    {
        { "base", Names(Reads, Evict) },
        { "overlays/cronjob", Names(Reads, Evict) },
        { "overlays/job", Names(Reads, Evict) },
        { "overlays/dry-run", Names(Reads) },
        { "overlays/cronjob+components/cordon", Names(Reads, Evict, Cordon) },
        { "overlays/job+components/cordon", Names(Reads, Evict, Cordon) },
        { "overlays/dry-run+components/cordon", Names(Reads, Cordon) },
    };

    [KubectlTheory]
    [MemberData(nameof(Targets))]
    public void ClusterRole_Should_GrantExactlyTheListedPermissions(string target, string[] expected)
    {
        Rendered rendered = Kustomize.Render(target);

        V1ClusterRole role = Assert.Single(rendered.All<V1ClusterRole>());
        Assert.Equal(expected.Order(StringComparer.Ordinal), Grant.Of(role));
    }

    public static TheoryData<string> TargetNames => [.. Targets.Select(row => (string)row[0])];

    [KubectlTheory]
    [MemberData(nameof(TargetNames))]
    public void Rbac_Should_BindOnlyTheRebalancerServiceAccount_When_Rendered(string target)
    {
        Rendered rendered = Kustomize.Render(target);

        // Namespaced roles or extra cluster roles would be permissions the table above does not see.
        Assert.Empty(rendered.All<V1Role>());
        Assert.Empty(rendered.All<V1RoleBinding>());
        V1ClusterRole role = Assert.Single(rendered.All<V1ClusterRole>());
        V1ClusterRoleBinding binding = Assert.Single(rendered.All<V1ClusterRoleBinding>());
        V1ServiceAccount account = Assert.Single(rendered.All<V1ServiceAccount>());
        Assert.Equal(("rbac.authorization.k8s.io", "ClusterRole", role.Metadata.Name), (binding.RoleRef.ApiGroup, binding.RoleRef.Kind, binding.RoleRef.Name));
        Rbacv1Subject subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, account.Metadata.NamespaceProperty), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.Equal("rebalancer", account.Metadata.NamespaceProperty);
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
