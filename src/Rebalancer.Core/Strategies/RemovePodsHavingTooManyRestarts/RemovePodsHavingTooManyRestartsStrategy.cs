using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.PodLifeTime;

namespace Rebalancer.Core.Strategies.RemovePodsHavingTooManyRestarts;

/// <summary>
/// Evicts pods (of every phase) whose containers restarted at least <c>podRestartThreshold</c> times
/// (descheduler-semantics §1.8): restarts are summed over the regular containers, plus the init containers with
/// <c>includingInitContainers</c>. With <c>states</c>, the pod's phase or a container's waiting reason must be listed.
/// Per node, the pods with the most restarts go first; node limit → next node, total limit → stop. Pods evicted by an
/// earlier plugin are not considered: their replacements start with no restarts.
/// </summary>
public sealed class RemovePodsHavingTooManyRestartsStrategy : IStrategy
{
    public const string PluginName = "RemovePodsHavingTooManyRestarts";

    private readonly RemovePodsHavingTooManyRestartsSettings _settings;

    public RemovePodsHavingTooManyRestartsStrategy(RemovePodsHavingTooManyRestartsSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        PodTable pods = snapshot.Pods;
        var scope = new PodScope(snapshot, _settings.Namespaces, _settings.LabelSelector);
        HashSet<int> waitingStates = PodMatching.Ids(snapshot.Strings, _settings.States);
        var phases = new HashSet<string>(_settings.States, StringComparer.Ordinal);
        var candidates = new List<(int Pod, int Restarts)>();
        string init = _settings.IncludingInitContainers ? " (init containers included)" : string.Empty;
        foreach (int node in context.Nodes)
        {
            candidates.Clear();
            foreach (int pod in snapshot.PodsOn(node))
            {
                int restarts = pods.Restarts[pod] + (_settings.IncludingInitContainers ? pods.InitRestarts[pod] : 0);
                if (restarts < _settings.PodRestartThreshold || context.IsEvicted(pod) || !scope.Contains(pod))
                {
                    continue;
                }

                if (_settings.States.Count > 0 && !phases.Contains(pods.Phase[pod].ToString())
                    && PodMatching.ContainerReason(pods, pod, waitingStates, _settings.IncludingInitContainers, waiting: true, terminated: false) == 0)
                {
                    continue;
                }

                candidates.Add((pod, restarts));
            }

            candidates.Sort((a, b) => a.Restarts != b.Restarts ? b.Restarts.CompareTo(a.Restarts) : a.Pod.CompareTo(b.Pod));
            foreach ((int pod, int restarts) in candidates)
            {
                EvictResult result = context.TryEvict(pod, $"{restarts} restarts{init} >= podRestartThreshold {_settings.PodRestartThreshold}");
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
