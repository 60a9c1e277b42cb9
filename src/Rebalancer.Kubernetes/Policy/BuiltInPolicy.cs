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
/// balance), restricted to the plugins Rebalancer implements; add each one here (a pluginConfig entry and its enabled
/// item) when it enters <c>StrategyCatalog</c>. A test checks that every plugin named here exists.
/// </remarks>
public static class BuiltInPolicy
{
    /// <summary>How the built-in policy is named in problems and reports.</summary>
    public const string Source = "<built-in policy>";

    public const string Yaml = """
        # Rebalancer's built-in policy (used when --policy is not given).
        apiVersion: descheduler/v1alpha2
        kind: DeschedulerPolicy
        profiles:
          - name: default
            pluginConfig:
              # The descheduler's default protections: no DaemonSet, mirror, static, bare, system-critical or
              # local-storage pods, plus Rebalancer's safe-to-evict / do-not-disrupt annotations.
              - name: DefaultEvictor
                args: {}
              # Keep at most the fair share of one owner's identical pods on a node.
              - name: RemoveDuplicates
                args: {}
            plugins:
              deschedule:
                enabled: []
              balance:
                enabled:
                  - RemoveDuplicates
        """;

    /// <summary>Loads and binds <see cref="Yaml"/>.</summary>
    public static DeschedulerPolicy Load() => PolicyFileReader.LoadFromText(Yaml, Source);
}
