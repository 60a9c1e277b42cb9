using Rebalancer.Core.Policy;

namespace Rebalancer.Kubernetes.Policy;

/// <summary>
/// The policy used when no <c>--policy</c> is given. It is ordinary policy text, loaded through the same reader and
/// binder as a user's file, so it can be printed, copied and edited, and can never bind differently from a file with
/// the same content.
/// </summary>
/// <remarks>
/// It follows the descheduler's shipped ConfigMap (<c>kubernetes/base/configmap.yaml</c>: DefaultEvictor with default
/// args; RemovePodsViolatingInterPodAntiAffinity at deschedule; RemoveDuplicates and LowNodeUtilization 20/50 at
/// balance), all of which Rebalancer implements. A test checks that every plugin named here exists.
/// </remarks>
public static class BuiltInPolicy
{
    /// <summary>How the built-in policy is named in problems and reports.</summary>
    public const string Source = "<built-in policy>";

    public const string Yaml = """
        # Rebalancer's built-in policy (used when --policy is not given): the descheduler's shipped default.
        apiVersion: descheduler/v1alpha2
        kind: DeschedulerPolicy
        profiles:
          - name: default
            pluginConfig:
              # The descheduler's default protections: no DaemonSet, mirror, static, bare, system-critical or
              # local-storage pods, plus Rebalancer's safe-to-evict / do-not-disrupt annotations.
              - name: DefaultEvictor
                args: {}
              # Evict a pod whose required anti-affinity is violated by a pod in its topology domain.
              - name: RemovePodsViolatingInterPodAntiAffinity
                args: {}
              # Keep at most the fair share of one owner's identical pods on a node.
              - name: RemoveDuplicates
                args: {}
              # Move pods from nodes above 50% to nodes below 20% (cpu, memory and pod count, by requests).
              - name: LowNodeUtilization
                args:
                  thresholds: {cpu: 20, memory: 20, pods: 20}
                  targetThresholds: {cpu: 50, memory: 50, pods: 50}
            plugins:
              deschedule:
                enabled:
                  - RemovePodsViolatingInterPodAntiAffinity
              balance:
                enabled:
                  - RemoveDuplicates
                  - LowNodeUtilization
        """;

    /// <summary>Loads and binds <see cref="Yaml"/>.</summary>
    public static DeschedulerPolicy Load() => PolicyFileReader.LoadFromText(Yaml, Source);
}
