using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Rebalancer.Benchmarks.Live;

/// <summary>
/// One launch, one warm-up, five measured iterations of one operation each (<see cref="RunStrategy.Monitoring"/>), in
/// this process: the live benchmarks keep a test API server per size across benchmark cases, which a per-case child
/// process would reload every time, and no child project is built beside a private <c>--artifacts-path</c>.
/// </summary>
public sealed class InProcessMonitoringConfig : ManualConfig
{
    public InProcessMonitoringConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true)));
    }
}
