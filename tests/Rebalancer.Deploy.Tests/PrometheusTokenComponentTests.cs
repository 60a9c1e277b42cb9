using k8s.Models;

namespace Rebalancer.Deploy.Tests;

/// <summary>
/// deploy/components/prometheus-token: the one extra permission reading the policy's Prometheus token secret needs
/// (src/Rebalancer.Kubernetes/Prometheus/PrometheusToken.cs: a GET of that secret), scoped to the secret by name.
/// </summary>
public sealed class PrometheusTokenComponentTests
{
    [KubectlTheory]
    [InlineData("overlays/cronjob+components/prometheus-token")]
    [InlineData("overlays/dry-run+components/prometheus-token")]
    public void The_component_grants_get_on_one_secret_to_the_rebalancer_service_account(string target)
    {
        Rendered rendered = Kustomize.Render(target);

        // The base has its own Role (the run's lease); the component adds exactly one more.
        V1Role role = Assert.Single(rendered.All<V1Role>(), r => r.Metadata.Name == "rebalancer-prometheus-token");
        V1PolicyRule rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["secrets"], rule.Resources);
        Assert.Equal(["prometheus-token"], rule.ResourceNames);
        Assert.Equal(["get"], rule.Verbs);
        V1RoleBinding binding = Assert.Single(rendered.All<V1RoleBinding>(), b => b.Metadata.Name == "rebalancer-prometheus-token");
        Assert.Equal(role.Metadata.NamespaceProperty, binding.Metadata.NamespaceProperty);
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        V1ServiceAccount account = Assert.Single(rendered.All<V1ServiceAccount>());
        Rbacv1Subject subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, account.Metadata.NamespaceProperty), (subject.Kind, subject.Name, subject.NamespaceProperty));
    }
}
