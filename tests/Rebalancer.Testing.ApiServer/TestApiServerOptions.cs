using Microsoft.Extensions.Logging;

namespace Rebalancer.Testing.ApiServer;

/// <summary>How to start a <see cref="TestApiServer"/>.</summary>
public sealed class TestApiServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 (default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>A kubectl-shaped JSON file to load at start (see <see cref="ClusterStore.LoadFile"/>).</summary>
    public string? SnapshotPath { get; set; }

    /// <summary>Clock for creation timestamps, AGE columns, <c>disruptedPods</c> times and controller lag.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary><c>/version</c>'s gitVersion. kubectl's version dispatcher picks its binary by this minor version.</summary>
    public string GitVersion { get; set; } = "v1.32.4";

    /// <summary>See <see cref="ClusterStore.InferWorkloadControllers"/>.</summary>
    public bool InferWorkloadControllers { get; set; } = true;

    /// <summary>Loaded objects whose namespace has no Namespace object get one (as a real cluster would have).</summary>
    public bool CreateMissingNamespaces { get; set; } = true;

    /// <summary>Revisions kept for paged lists and watches from an older resourceVersion (older ones answer 410 Expired).</summary>
    public int HistoryLimit { get; set; } = 20_000;

    /// <summary>Seed of the fault injector's random rate decisions.</summary>
    public int FaultSeed { get; set; } = 1;

    /// <summary>Interval of BOOKMARK events on watches that ask for them (<c>allowWatchBookmarks=true</c>); zero = never.</summary>
    public TimeSpan WatchBookmarkInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Logging setup; by default the server logs nothing.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
