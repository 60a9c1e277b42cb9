using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Rebalancer.Cli.Hosting;
using Rebalancer.Kubernetes.Snapshots;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// Starts loading the <c>--snapshot</c> file as soon as the command line is parsed, on a thread of its own, so the
/// load overlaps the ~0.2–0.3 s the host, the policy, validation and telemetry take to start where a second core is
/// free (a 150,000-pod compact plan: 1.85 → 1.72 s, docs/deployment.md "Start-up"). The handler takes the result from
/// here instead of loading again. Nothing else changes: a file that does not load is reported by the handler exactly
/// as before, and if the settings are invalid the run ends with their errors and the load is abandoned (nothing
/// depends on it).
/// Standard input (<c>-</c>) is not read ahead: the handler reads it, after validation, as before.
/// </summary>
internal sealed class SnapshotPrefetch
{
    /// <summary>No load started (no <c>--snapshot</c>, or <c>-</c>).</summary>
    public static readonly SnapshotPrefetch None = new(null, null, default);

    private SnapshotPrefetch(string? path, Task<SnapshotLoadResult>? load, DateTimeOffset startedAt)
    {
        Path = path;
        Load = load;
        StartedAt = startedAt;
    }

    /// <summary>The path being loaded, as given; null for <see cref="None"/>.</summary>
    public string? Path { get; }

    /// <summary>The load; faults with what <see cref="SnapshotLoader.Load(string)"/> throws.</summary>
    public Task<SnapshotLoadResult>? Load { get; }

    /// <summary>When the load started (wall clock), for the <c>snapshot.load</c> span.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>How long the load itself took (not the wait for it); set when <see cref="Load"/> completes.</summary>
    public TimeSpan Duration { get; private set; }

    /// <summary>
    /// For <see cref="CommandHost"/>: starts the load of the snapshot named by the collected settings (command line or
    /// <c>REBALANCER_SNAPSHOT</c>) and returns how to register it with the command's services.
    /// </summary>
    public static Action<IServiceCollection> Start(SettingsValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        SnapshotPrefetch prefetch = values.Values.TryGetValue($"{SettingsSources.Section}:{nameof(PlanSettings.Snapshot)}", out string? path)
            && !string.IsNullOrEmpty(path) && path != "-"
            ? Begin(path)
            : None;
        return services => services.AddSingleton(prefetch);
    }

    /// <summary>The prefetched load of <paramref name="path"/>, or null when this prefetch is for another path or none.</summary>
    public Task<SnapshotLoadResult>? For(string path) => Path == path ? Load : null;

    private static SnapshotPrefetch Begin(string path)
    {
        // Wall-clock and monotonic time of the process, not the command's TimeProvider: the services (and a test's
        // fake clock) do not exist yet, and the span and the log want real durations anyway.
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        long started = Stopwatch.GetTimestamp();
        SnapshotPrefetch? prefetch = null;
        var load = new Task<SnapshotLoadResult>(() =>
        {
            try
            {
                return SnapshotLoader.Load(path);
            }
            finally
            {
                prefetch!.Duration = Stopwatch.GetElapsedTime(started);
            }
        }, TaskCreationOptions.LongRunning);
        prefetch = new SnapshotPrefetch(path, load, startedAt);
        load.Start(TaskScheduler.Default);
        return prefetch;
    }
}
