using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.PodLifeTime;

/// <summary>
/// The pod set a plugin works on: its <c>namespaces</c> include/exclude and its <c>labelSelector</c> (podutil.NewOptions).
/// Compiled once per run against the snapshot's strings; the namespace decision is cached per namespace.
/// </summary>
internal sealed class PodScope
{
    private readonly ClusterSnapshot _snapshot;
    private readonly NamespacesSpec _namespaces;
    private readonly LabelSelector? _selector;
    private readonly Dictionary<int, bool> _namespaceAllowed = [];

    public PodScope(ClusterSnapshot snapshot, NamespacesSpec namespaces, LabelSelectorSpec? selector)
    {
        _snapshot = snapshot;
        _namespaces = namespaces;
        _selector = selector?.Compile(snapshot.Strings);
    }

    public bool Contains(int pod)
    {
        int ns = _snapshot.Pods.Namespace[pod];
        if (!_namespaceAllowed.TryGetValue(ns, out bool allowed))
        {
            allowed = _namespaces.Allows(_snapshot.Strings[ns]);
            _namespaceAllowed[ns] = allowed;
        }

        return allowed && (_selector is null || _selector.Matches(_snapshot.Pods.Labels[pod]));
    }
}

/// <summary>
/// Status matching shared by PodLifeTime, RemoveFailedPods and RemovePodsHavingTooManyRestarts: pod age, container
/// waiting/terminated reasons, exit codes and owner kinds, over interned ids. The snapshot keeps each container's
/// current state only (not <c>lastState</c>), which is what the descheduler matches on.
/// </summary>
internal static class PodMatching
{
    /// <summary>Whole seconds since <c>creationTimestamp</c> (Go's <c>uint(d.Seconds())</c> truncation), or -1 when unknown or in the future.</summary>
    public static long AgeSeconds(PodTable pods, int pod, DateTimeOffset now)
    {
        long created = pods.CreationTime[pod];
        if (created == UnixTime.None)
        {
            return -1;
        }

        long ms = now.ToUnixTimeMilliseconds() - created;
        return ms < 0 ? -1 : ms / 1000;
    }

    /// <summary>Whole seconds since <paramref name="instant"/> (Unix ms), or -1 when unknown or in the future.</summary>
    public static long SecondsSince(long instant, DateTimeOffset now)
    {
        if (instant == UnixTime.None)
        {
            return -1;
        }

        long ms = now.ToUnixTimeMilliseconds() - instant;
        return ms < 0 ? -1 : ms / 1000;
    }

    /// <summary>Interned ids of <paramref name="values"/> that occur in the snapshot (a value it never saw can match nothing).</summary>
    public static HashSet<int> Ids(StringTable strings, IEnumerable<string> values)
    {
        var ids = new HashSet<int>();
        foreach (string value in values)
        {
            int id = strings.Find(value);
            if (id > 0)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>The first container (init ones only when <paramref name="includeInit"/>) whose waiting or terminated reason is in <paramref name="reasons"/>; 0 when none.</summary>
    public static int ContainerReason(PodTable pods, int pod, HashSet<int> reasons, bool includeInit, bool waiting, bool terminated)
    {
        foreach (ContainerStatus status in pods.ContainerStatusesOf(pod))
        {
            if (status.Init && !includeInit)
            {
                continue;
            }

            if (waiting && status.WaitingReason != 0 && reasons.Contains(status.WaitingReason))
            {
                return status.WaitingReason;
            }

            if (terminated && status.TerminatedReason != 0 && reasons.Contains(status.TerminatedReason))
            {
                return status.TerminatedReason;
            }
        }

        return 0;
    }

    /// <summary>The first terminated container's exit code that is in <paramref name="exitCodes"/>, or null.</summary>
    public static int? ExitCode(PodTable pods, int pod, HashSet<int> exitCodes, bool includeInit)
    {
        foreach (ContainerStatus status in pods.ContainerStatusesOf(pod))
        {
            if ((!status.Init || includeInit) && status.HasExitCode && exitCodes.Contains(status.ExitCode))
            {
                return status.ExitCode;
            }
        }

        return null;
    }

    /// <summary>The first ownerReference kind in <paramref name="kinds"/>, or 0.</summary>
    public static int OwnerKind(PodTable pods, int pod, HashSet<int> kinds)
    {
        foreach (OwnerRef owner in pods.OwnersOf(pod))
        {
            if (kinds.Contains(owner.Kind))
            {
                return owner.Kind;
            }
        }

        return 0;
    }

    /// <summary>A duration for reasons: "26h", "45m", "30s".</summary>
    public static string FormatDuration(long seconds) =>
        seconds >= 3600 ? (seconds / 3600.0).ToString("0.#", CultureInfo.InvariantCulture) + "h"
        : seconds >= 60 ? (seconds / 60.0).ToString("0.#", CultureInfo.InvariantCulture) + "m"
        : seconds.ToString(CultureInfo.InvariantCulture) + "s";
}
