using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.PodLifeTime;

/// <summary>
/// Evicts pods (of every phase) that match every configured filter (descheduler-semantics §1.9): older than
/// <c>maxPodLifeTimeSeconds</c> (strictly, from creationTimestamp), in one of <c>states</c> (phase, status reason, or a
/// container's waiting/terminated reason), with an owner kind allowed by <c>ownerKinds</c>, with a condition matching
/// <c>conditions</c>, with a terminated container exit code in <c>exitCodes</c>. The matching pods of all nodes are
/// evicted oldest first; node limit → skip that pod, total limit → stop. Pods evicted by an earlier plugin are not
/// considered: their replacements are new pods.
/// </summary>
public sealed class PodLifeTimeStrategy : IStrategy
{
    public const string PluginName = "PodLifeTime";

    private readonly PodLifeTimeSettings _settings;
    private readonly HashSet<string> _phaseStates;

    public PodLifeTimeStrategy(PodLifeTimeSettings settings)
    {
        _settings = settings;
        _phaseStates = new HashSet<string>(settings.States.Where(s => Enum.TryParse<PodPhase>(s, out _)), StringComparer.Ordinal);
    }

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        if (_settings.IncludingEphemeralContainers && _settings.States.Count > 0)
        {
            context.Warn("includingEphemeralContainers has no effect: snapshots carry no ephemeral container statuses");
        }

        ClusterSnapshot snapshot = context.Snapshot;
        var matcher = new Matcher(snapshot, _settings, _phaseStates, context.Now);
        var candidates = new List<(int Pod, string Reason)>();
        foreach (int node in context.Nodes)
        {
            foreach (int pod in snapshot.PodsOn(node))
            {
                if (!context.IsEvicted(pod) && matcher.Matches(pod, out string reason))
                {
                    candidates.Add((pod, reason));
                }
            }
        }

        // Oldest first, so limits and budgets spend themselves on the oldest pods; ties (and unknown ages, last) by index.
        long[] created = snapshot.Pods.CreationTime;
        candidates.Sort((a, b) =>
        {
            long ca = created[a.Pod] == UnixTime.None ? long.MaxValue : created[a.Pod];
            long cb = created[b.Pod] == UnixTime.None ? long.MaxValue : created[b.Pod];
            return ca != cb ? ca.CompareTo(cb) : a.Pod.CompareTo(b.Pod);
        });

        foreach ((int pod, string reason) in candidates)
        {
            if (context.TryEvict(pod, reason) == EvictResult.TotalLimitReached)
            {
                return;
            }
        }
    }

    /// <summary>The filter chain, compiled against one snapshot.</summary>
    private sealed class Matcher
    {
        private readonly ClusterSnapshot _snapshot;
        private readonly PodLifeTimeSettings _settings;
        private readonly HashSet<string> _phaseStates;
        private readonly HashSet<int> _reasonStates;
        private readonly HashSet<int> _include;
        private readonly HashSet<int> _exclude;
        private readonly HashSet<int> _exitCodes;
        private readonly PodScope _scope;
        private readonly DateTimeOffset _now;

        public Matcher(ClusterSnapshot snapshot, PodLifeTimeSettings settings, HashSet<string> phaseStates, DateTimeOffset now)
        {
            _snapshot = snapshot;
            _settings = settings;
            _phaseStates = phaseStates;
            _reasonStates = PodMatching.Ids(snapshot.Strings, settings.States);
            _include = PodMatching.Ids(snapshot.Strings, settings.OwnerKindsInclude);
            _exclude = PodMatching.Ids(snapshot.Strings, settings.OwnerKindsExclude);
            _exitCodes = [.. settings.ExitCodes];
            _scope = new PodScope(snapshot, settings.Namespaces, settings.LabelSelector);
            _now = now;
        }

        public bool Matches(int pod, out string reason)
        {
            reason = string.Empty;
            PodTable pods = _snapshot.Pods;
            if (!_scope.Contains(pod))
            {
                return false;
            }

            var parts = new List<string>(2);
            if (_settings.MaxPodLifeTimeSeconds is uint max)
            {
                long age = PodMatching.AgeSeconds(pods, pod, _now);
                if (age < 0 || age <= max)
                {
                    return false;
                }

                parts.Add($"age {PodMatching.FormatDuration(age)} > maxPodLifeTimeSeconds {max}");
            }

            if (_settings.States.Count > 0)
            {
                string? state = State(pod);
                if (state is null)
                {
                    return false;
                }

                parts.Add(state);
            }

            if (_settings.OwnerKindsInclude.Count > 0)
            {
                int kind = PodMatching.OwnerKind(pods, pod, _include);
                if (kind == 0)
                {
                    return false;
                }

                parts.Add($"owner kind {_snapshot.Strings[kind]}");
            }
            else if (_settings.OwnerKindsExclude.Count > 0 && PodMatching.OwnerKind(pods, pod, _exclude) != 0)
            {
                return false;
            }

            if (_settings.Conditions.Count > 0)
            {
                string? condition = Condition(pod);
                if (condition is null)
                {
                    return false;
                }

                parts.Add(condition);
            }

            if (_settings.ExitCodes.Count > 0)
            {
                if (PodMatching.ExitCode(pods, pod, _exitCodes, _settings.IncludingInitContainers) is not int code)
                {
                    return false;
                }

                parts.Add($"exit code {code.ToString(CultureInfo.InvariantCulture)}");
            }

            reason = string.Join("; ", parts);
            return true;
        }

        /// <summary>The phase, the status reason, or a container's waiting/terminated reason that is in <c>states</c>.</summary>
        private string? State(int pod)
        {
            PodTable pods = _snapshot.Pods;
            string phase = pods.Phase[pod].ToString();
            if (_phaseStates.Contains(phase))
            {
                return $"phase {phase}";
            }

            int statusReason = pods.StatusReason[pod];
            if (statusReason != 0 && _reasonStates.Contains(statusReason))
            {
                return $"status reason {_snapshot.Strings[statusReason]}";
            }

            int container = PodMatching.ContainerReason(pods, pod, _reasonStates, _settings.IncludingInitContainers, waiting: true, terminated: true);
            return container == 0 ? null : $"container state {_snapshot.Strings[container]}";
        }

        /// <summary>The first pod condition matching one of the filters (set fields ANDed, filters ORed).</summary>
        private string? Condition(int pod)
        {
            StringTable strings = _snapshot.Strings;
            foreach (PodConditionFilter filter in _settings.Conditions)
            {
                foreach (PodCondition condition in _snapshot.Pods.ConditionsOf(pod))
                {
                    if ((filter.Type is not null && strings[condition.Type] != filter.Type)
                        || (filter.Status is not null && strings[condition.Status] != filter.Status)
                        || (filter.Reason is not null && strings[condition.Reason] != filter.Reason))
                    {
                        continue;
                    }

                    string text = $"condition {strings[condition.Type]}={strings[condition.Status]}"
                        + (condition.Reason == 0 ? string.Empty : $" ({strings[condition.Reason]})");
                    if (filter.MinTimeSinceLastTransitionSeconds is uint min)
                    {
                        long since = PodMatching.SecondsSince(condition.LastTransitionTime, _now);
                        if (since < 0 || since < min)
                        {
                            continue;
                        }

                        text += $" for {PodMatching.FormatDuration(since)} >= minTimeSinceLastTransitionSeconds {min}";
                    }

                    return text;
                }
            }

            return null;
        }
    }
}
