using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rebalancer.Cli.Commands;
using Rebalancer.Cli.Telemetry;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Hosting;

/// <summary>One command's work, run inside the root span once the host has started and the settings are valid.</summary>
internal interface ICommandHandler
{
    /// <returns>The process exit code (<see cref="ExitCodes"/>).</returns>
    Task<int> RunAsync(Activity? root, CancellationToken cancellationToken);
}

/// <summary>
/// The composition root of every command: a Microsoft.Extensions.Hosting host per invocation with the command's
/// settings (command line over <c>REBALANCER_*</c> variables, validated at start), logging, OpenTelemetry and an
/// injected <see cref="TimeProvider"/>. It runs the handler inside the <c>rebalancer.run</c> span and always flushes
/// telemetry afterwards, with a bounded wait, whether the run succeeded, failed or threw.
/// </summary>
internal static class CommandHost
{
    /// <param name="early">
    /// Work to start as soon as the settings are collected, before the host is built (<see cref="Commands.SnapshotPrefetch"/>);
    /// it returns the registration of its result with the command's services.
    /// </param>
    public static async Task<int> RunAsync<TSettings, TValidator, THandler>(
        CliContext cli, ParseResult parse, CancellationToken cancellationToken, Func<SettingsValues, Action<IServiceCollection>>? early = null)
        where TSettings : CommandSettings
        where TValidator : class, IValidateOptions<TSettings>
        where THandler : class, ICommandHandler
    {
        // The run span starts here, before the snapshot prefetch and the host: a prefetched snapshot.load is its child
        // and must start within it (docs/telemetry.md), and the run's duration is the command's.
        DateTimeOffset started = DateTimeOffset.UtcNow;
        SettingsValues values = SettingsSources.Collect(parse, cli.Environment);
        Action<IServiceCollection>? registerEarly = early?.Invoke(values);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(EnvironmentConfiguration(cli.Environment));
        builder.Configuration.AddInMemoryCollection(values.Values);

        IServiceCollection services = builder.Services;
        services.AddSingleton(cli.Console);
        services.AddSingleton(values);
        services.AddSingleton(values.Origins);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(RunDependencies.Default);
        services.AddMetrics();

        // Ctrl-C and SIGTERM are Program.cs's: they cancel the token, so the run stops between evictions and this host
        // still writes the report and flushes. The default console lifetime would stop the host under the handler.
        services.AddSingleton<IHostLifetime, CommandLifetime>();
        services.AddOptions<TSettings>().Bind(builder.Configuration.GetSection(SettingsSources.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TSettings>, TValidator>();
        services.AddSingleton<PolicyStore>();
        services.AddSingleton<RebalancerMetrics>();
        services.AddSingleton<TerminalProgress>();
        services.AddSingleton<THandler>();
        registerEarly?.Invoke(services);

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        // The host's own lifecycle messages say nothing to a one-shot job, and a start failure (invalid settings) is
        // reported below as plain lines, not as an error log with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.Services.AddSingleton<ILoggerProvider>(provider => new CliLoggerProvider(
            cli.Console.Error, json: !TerminalProgress.IsTerminal(cli.Console), provider.GetRequiredService<TimeProvider>()));
        builder.AddRebalancerTelemetry(builder.Configuration.GetValue<bool>($"{SettingsSources.Section}:{nameof(CommandSettings.TraceConsole)}"), cli.Console.Error);
        cli.ConfigureServices?.Invoke(services);

        using IHost host = builder.Build();
        IReadOnlyList<string>? problems = null;
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            problems = [.. e.Failures];
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is OptionsValidationException))
        {
            problems = [.. e.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures)];
        }

        if (problems is not null)
        {
            // Invalid input is the user's to fix, not an event for a log pipeline: plain lines, every problem at once.
            foreach (string problem in problems)
            {
                await cli.Console.Error.WriteLineAsync("error: " + problem).ConfigureAwait(false);
            }

            return ExitCodes.InvalidInput;
        }

        try
        {
            return await RunInRootSpanAsync(host.Services.GetRequiredService<THandler>(), started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            host.Services.GetRequiredService<TelemetryFlush>().Flush();
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<int> RunInRootSpanAsync(ICommandHandler handler, DateTimeOffset started, CancellationToken cancellationToken)
    {
        using Activity? root = RebalancerTelemetry.Source.StartActivity(SpanNames.Run, ActivityKind.Internal, parentContext: default, startTime: started);
        int code;
        try
        {
            code = await handler.RunAsync(root, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            root.RecordError(e);
            throw;
        }

        root?.SetTag(SpanAttributes.ExitCode, code);
        if (code != ExitCodes.Success && root is { Status: not ActivityStatusCode.Error })
        {
            root.SetStatus(ActivityStatusCode.Error, code == ExitCodes.InvalidInput ? "invalid input" : "the run failed");
        }

        return code;
    }

    /// <summary>Environment variables as configuration, the way the environment-variables provider maps them (<c>__</c> is <c>:</c>).</summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentConfiguration(IReadOnlyDictionary<string, string?> environment) =>
        environment.Select(pair => new KeyValuePair<string, string?>(pair.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), pair.Value));

    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
