using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.PodLifeTime;

namespace Rebalancer.Core.Strategies.RemoveFailedPods;

/// <summary>
/// Evicts pods in phase <c>Failed</c> (descheduler-semantics §1.10) that are at least <c>minPodLifetimeSeconds</c> old,
/// have no owner of an excluded kind, and match <c>reasons</c> (a container's waiting/terminated reason or the pod's
/// status reason) and <c>exitCodes</c> (a terminated container's exit code) when those are set. A failed pod holds no
/// resources and is not rescheduled, so it needs no target node. Node by node; node limit → next node, total → stop.
/// </summary>
public sealed class RemoveFailedPodsStrategy : IStrategy
{
    public const string PluginName = "RemoveFailedPods";

    private readonly RemoveFailedPodsSettings _settings;

    public RemoveFailedPodsStrategy(RemoveFailedPodsSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        PodTable pods = snapshot.Pods;
        var scope = new PodScope(snapshot, _settings.Namespaces, _settings.LabelSelector);
        HashSet<int> excludedKinds = PodMatching.Ids(snapshot.Strings, _settings.ExcludeOwnerKinds);
        HashSet<int> reasons = PodMatching.Ids(snapshot.Strings, _settings.Reasons);
        var exitCodes = new HashSet<int>(_settings.ExitCodes);
        var parts = new List<string>(4);
        foreach (int node in context.Nodes)
        {
            foreach (int pod in snapshot.PodsOn(node))
            {
                if (pods.Phase[pod] != PodPhase.Failed || context.IsEvicted(pod) || !scope.Contains(pod))
                {
                    continue;
                }

                parts.Clear();
                parts.Add("failed");
                if (_settings.MinPodLifetimeSeconds is uint min)
                {
                    long age = PodMatching.AgeSeconds(pods, pod, context.Now);
                    if (age < min)
                    {
                        continue;
                    }

                    parts.Add($"age {PodMatching.FormatDuration(age)} >= minPodLifetimeSeconds {min}");
                }

                if (excludedKinds.Count > 0 && PodMatching.OwnerKind(pods, pod, excludedKinds) != 0)
                {
                    continue;
                }

                if (_settings.Reasons.Count > 0)
                {
                    int reason = PodMatching.ContainerReason(pods, pod, reasons, _settings.IncludingInitContainers, waiting: true, terminated: true);
                    if (reason == 0 && pods.StatusReason[pod] != 0 && reasons.Contains(pods.StatusReason[pod]))
                    {
                        reason = pods.StatusReason[pod];
                    }

                    if (reason == 0)
                    {
                        continue;
                    }

                    parts.Add($"reason {snapshot.Strings[reason]}");
                }

                if (_settings.ExitCodes.Count > 0)
                {
                    if (PodMatching.ExitCode(pods, pod, exitCodes, _settings.IncludingInitContainers) is not int code)
                    {
                        continue;
                    }

                    parts.Add($"exit code {code.ToString(CultureInfo.InvariantCulture)}");
                }

                EvictResult result = context.TryEvict(pod, string.Join("; ", parts));
                if (result == EvictResult.TotalLimitReached)
                {
                    return;
                }

                if (result == EvictResult.NodeLimitReached)
                {
                    break;
                }
            }
        }
    }
}
