using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace Rebalancer.Deploy.Tests;

/// <summary>Paths in the checkout: found by walking up to Rebalancer.sln from the test binaries, else from this source file.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Of(string relative) => Path.Combine(Root, relative);

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Rebalancer.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Rebalancer.sln not found above the test binaries or the test sources");
    }
}

/// <summary>A fact that is skipped, with the reason, when kubectl (whose built-in kustomize renders deploy/) is not on PATH.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kustomize.Kubectl is null)
        {
            Skip = Kustomize.MissingKubectl;
        }
    }
}

/// <summary>The theory form of <see cref="KubectlFactAttribute"/>.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (Kustomize.Kubectl is null)
        {
            Skip = Kustomize.MissingKubectl;
        }
    }
}

/// <summary>What one kustomization renders to, as KubernetesClient's typed objects.</summary>
internal sealed record Rendered(string Target, string Yaml, IReadOnlyList<IKubernetesObject> Objects)
{
    public T Single<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(Objects.OfType<T>(), o => o.Metadata.Name == name);

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    /// <summary>The pod templates of every workload (Job or CronJob) in the output, named by their owner.</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Job>().Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template))
            .Concat(All<V1CronJob>().Select(c => ($"CronJob/{c.Metadata.Name}", c.Spec.JobTemplate.Spec.Template)));
}

/// <summary>
/// Renders a kustomization under deploy/ with <c>kubectl kustomize</c> (offline: no cluster, no network) and loads the
/// output with <see cref="KubernetesYaml"/>, so the assertions read the same objects an API server would receive.
/// </summary>
internal static class Kustomize
{
    public const string MissingKubectl = "kubectl is not on PATH: rendering deploy/ needs kubectl with its built-in kustomize (tested with kubectl v1.32, kustomize v5.5)";

    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Cache = new(StringComparer.Ordinal);

    public static string? Kubectl { get; } = FindOnPath(OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl");

    /// <summary>Renders <paramref name="target"/>: a folder under deploy/ (<c>overlays/cronjob</c>), or
    /// <c>overlays/X+components/Y</c> for an overlay with an opt-in component added, as an operator would add it.</summary>
    public static Rendered Render(string target) =>
        Cache.GetOrAdd(target, t => new Lazy<Rendered>(() => RenderUncached(t))).Value;

    private static Rendered RenderUncached(string target)
    {
        string[] parts = target.Split('+');
        string directory = Path.Combine(RepoPaths.Deploy, parts[0]);
        string? scratch = null;
        if (parts.Length > 1)
        {
            // A throw-away kustomization that uses the overlay and the components, like an operator's own overlay.
            // kustomize refuses absolute paths there, hence the relative ones.
            scratch = Directory.CreateTempSubdirectory("rebalancer-kustomize-").FullName;
            string Relative(string path) => Path.GetRelativePath(scratch, Path.Combine(RepoPaths.Deploy, path));
            string components = string.Concat(parts.Skip(1).Select(c => $"\n  - {Relative(c)}"));
            File.WriteAllText(Path.Combine(scratch, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - {Relative(parts[0])}
                components:{components}

                """);
            directory = scratch;
        }

        try
        {
            string yaml = Run(Kubectl ?? throw new InvalidOperationException(MissingKubectl), "kustomize", directory);
            List<object> loaded = KubernetesYaml.LoadAllFromString(yaml);
            return new Rendered(target, yaml, [.. loaded.Cast<IKubernetesObject>()]);
        }
        finally
        {
            if (scratch is not null)
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private static string Run(string executable, params string[] args)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', args)} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', args)} exited {process.ExitCode}:\n{error.Result}");
        }

        return output.Result;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
