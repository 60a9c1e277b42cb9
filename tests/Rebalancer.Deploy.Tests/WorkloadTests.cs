using System.CommandLine;
using k8s.Models;
using Rebalancer.Cli;
using Rebalancer.Cli.Commands;

namespace Rebalancer.Deploy.Tests;

/// <summary>The Job and CronJob pod templates: scheduling fields, hardening, and container args the real CLI accepts.</summary>
public sealed class WorkloadTests
{
    /// <summary>Every deployable combination, with the <c>--dry-run</c> value its container must run with (null: evicts).</summary>
    public static TheoryData<string, string?> Deployments => new()
    {
        { "overlays/cronjob", null },
        { "overlays/job", null },
        { "overlays/dry-run", "client" },
        { "overlays/cronjob+components/cordon", null },
    };

    public static TheoryData<string> DeploymentNames => [.. Deployments.Select(row => (string)row[0])];

    public static TheoryData<string> CronJobs => new() { "overlays/cronjob", "overlays/dry-run" };

    [KubectlTheory]
    [MemberData(nameof(CronJobs))]
    public void CronJob_Should_NeverOverlapAndBeBounded(string target)
    {
        Rendered rendered = Kustomize.Render(target);

        Assert.Empty(rendered.All<V1Job>());
        V1CronJob cron = rendered.Single<V1CronJob>("rebalancer");
        V1CronJobSpec spec = cron.Spec;
        Assert.Equal(5, spec.Schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("Forbid", spec.ConcurrencyPolicy);
        Assert.InRange(spec.StartingDeadlineSeconds ?? 0, 1, 3600);
        Assert.InRange(spec.SuccessfulJobsHistoryLimit ?? -1, 1, 10);
        Assert.InRange(spec.FailedJobsHistoryLimit ?? -1, 1, 10);
        V1JobSpec job = spec.JobTemplate.Spec;
        Assert.InRange(job.BackoffLimit ?? -1, 0, 3);
        Assert.True(job.ActiveDeadlineSeconds > 0, "jobTemplate.spec.activeDeadlineSeconds must be set");

        // With a `*/N` minute schedule, a run must end (deadline) before the next one is due.
        if (spec.Schedule.StartsWith("*/", StringComparison.Ordinal) && int.TryParse(spec.Schedule.AsSpan(2, spec.Schedule.IndexOf(' ', StringComparison.Ordinal) - 2), out int minutes))
        {
            Assert.True(job.ActiveDeadlineSeconds < minutes * 60, $"activeDeadlineSeconds {job.ActiveDeadlineSeconds} must be shorter than the {minutes}-minute period");
        }

        AssertFailsFastOnInvalidInput(job);
    }

    [KubectlFact]
    public void JobOverlay_Should_RenderOneBoundedJobAndNoCronJob()
    {
        Rendered rendered = Kustomize.Render("overlays/job");

        Assert.Empty(rendered.All<V1CronJob>());
        V1Job job = rendered.Single<V1Job>("rebalancer");
        Assert.Equal("rebalancer", job.Metadata.NamespaceProperty);
        Assert.True(job.Spec.ActiveDeadlineSeconds > 0, "activeDeadlineSeconds must be set");
        Assert.InRange(job.Spec.BackoffLimit ?? -1, 0, 3);
        Assert.True(job.Spec.TtlSecondsAfterFinished > 0, "ttlSecondsAfterFinished must be set so the next apply can create the Job again");
        AssertFailsFastOnInvalidInput(job.Spec);
    }

    [KubectlTheory]
    [MemberData(nameof(DeploymentNames))]
    public void PodTemplate_Should_BeHardened(string target)
    {
        Rendered rendered = Kustomize.Render(target);
        (string owner, V1PodTemplateSpec template) = Assert.Single(rendered.PodTemplates());
        V1PodSpec pod = template.Spec;
        DockerfileFacts docker = DockerfileFacts.Load();

        V1PodSecurityContext podSecurity = pod.SecurityContext;
        Assert.True(podSecurity.RunAsNonRoot, $"{owner}: runAsNonRoot");
        Assert.Equal(docker.Uid, podSecurity.RunAsUser);
        Assert.Equal(docker.Gid, podSecurity.RunAsGroup);
        Assert.Equal("RuntimeDefault", podSecurity.SeccompProfile?.Type);
        Assert.NotEqual(true, pod.HostNetwork);
        Assert.NotEqual(true, pod.HostPID);
        Assert.NotEqual(true, pod.HostIPC);
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.All(pod.Volumes, v => Assert.Null(v.HostPath));

        // The token is mounted only here: the ServiceAccount turns it off for every other pod that might use it.
        V1ServiceAccount account = rendered.Single<V1ServiceAccount>(pod.ServiceAccountName);
        Assert.False(account.AutomountServiceAccountToken);
        Assert.True(pod.AutomountServiceAccountToken);

        V1Container container = Assert.Single(pod.Containers);
        Assert.Null(pod.InitContainers);
        V1SecurityContext security = container.SecurityContext;
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.NotEqual(true, security.Privileged);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.True(security.Capabilities.Add is null or { Count: 0 });

        // The only writable path is an emptyDir at /tmp (the runtime's diagnostics socket, reports written with --out).
        V1VolumeMount tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);
        Assert.All(container.VolumeMounts.Where(m => m.MountPath != "/tmp"), m => Assert.True(m.ReadOnlyProperty, $"{m.MountPath} must be read-only"));

        Assert.All(new[] { "cpu", "memory" }, resource =>
        {
            Assert.True(container.Resources.Requests.ContainsKey(resource), $"requests.{resource}");
            Assert.True(container.Resources.Limits.ContainsKey(resource), $"limits.{resource}");
            Assert.True(container.Resources.Requests[resource].ToDecimal() <= container.Resources.Limits[resource].ToDecimal(), $"{resource}: request above limit");
        });
    }

    [KubectlTheory]
    [MemberData(nameof(DeploymentNames))]
    public void PodTemplate_Should_ReferenceOnlyRenderedConfigMaps(string target)
    {
        Rendered rendered = Kustomize.Render(target);
        (_, V1PodTemplateSpec template) = Assert.Single(rendered.PodTemplates());

        // Generated ConfigMaps carry a content hash in their name; a reference kustomize failed to rewrite (for example in
        // a resource outside the base's namespace) would point at a ConfigMap that does not exist.
        var configMaps = rendered.All<V1ConfigMap>().Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var referenced = template.Spec.Volumes.Where(v => v.ConfigMap is not null).Select(v => v.ConfigMap.Name)
            .Concat(template.Spec.Containers.SelectMany(c => c.EnvFrom ?? []).Where(e => e.ConfigMapRef is not null).Select(e => e.ConfigMapRef.Name))
            .ToList();
        Assert.Equal(2, referenced.Count);
        Assert.All(referenced, name => Assert.Contains(name, configMaps));
    }

    [KubectlTheory]
    [MemberData(nameof(Deployments))]
    public async Task ContainerArgs_Should_BeAcceptedByTheCli(string target, string? dryRun)
    {
        Rendered rendered = Kustomize.Render(target);
        (string owner, V1PodTemplateSpec template) = Assert.Single(rendered.PodTemplates());
        V1Container container = Assert.Single(template.Spec.Containers);

        // The image's ENTRYPOINT is `rebalancer`: the manifests must not replace it, and args start with the command.
        Assert.Null(container.Command);
        string[] args = [.. container.Args];
        Assert.Equal("run", args[0]);

        // The real command tree (CliApp) parses the args without error; --help stops before anything runs.
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync([.. args, "--help"], new CliConsole(output, error, () => new MemoryStream(), IsTerminal: false));
        Assert.True(code == 0, $"{owner}: `rebalancer {string.Join(' ', args)}` was rejected (exit {code}):\n{error}");
        Assert.DoesNotContain("error", error.ToString(), StringComparison.OrdinalIgnoreCase);

        // And the values the run command will see: the real `run` option set, parsed without running.
        ParseResult parse = new RootCommand { RunCommand.Create(new CliConsole(TextWriter.Null, TextWriter.Null, () => new MemoryStream(), false)) }.Parse(args);
        Assert.Empty(parse.Errors);
        Assert.Equal(dryRun, parse.GetValue<string?>("--dry-run"));
        Assert.Equal("json", parse.GetValue<string>("--output"));
        Assert.Null(parse.GetValue<string?>("--kubeconfig")); // in-cluster service account
        string policy = Assert.IsType<string>(parse.GetValue<string?>("--policy"));

        // --policy names a file of the mounted policy ConfigMap.
        V1VolumeMount mount = Assert.Single(container.VolumeMounts, m => policy.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        V1ConfigMapVolumeSource source = Assert.Single(template.Spec.Volumes, v => v.Name == mount.Name).ConfigMap;
        V1ConfigMap configMap = rendered.Single<V1ConfigMap>(source.Name);
        Assert.Contains(policy[(mount.MountPath.Length + 1)..], configMap.Data.Keys);
    }

    [KubectlFact]
    public void Environment_Should_SetTheServiceNameAndNoEmptyOtlpEndpoint()
    {
        // The OTLP endpoint is set in one place (deploy/base/rebalancer.env); an empty value would be an invalid URI.
        Rendered rendered = Kustomize.Render("overlays/cronjob");
        V1ConfigMap env = Assert.Single(rendered.All<V1ConfigMap>(), c => c.Metadata.Name.StartsWith("rebalancer-env-", StringComparison.Ordinal));
        Assert.Equal("rebalancer", env.Data["OTEL_SERVICE_NAME"]);
        Assert.All(env.Data, pair => Assert.False(string.IsNullOrWhiteSpace(pair.Value), pair.Key));
    }

    private static void AssertFailsFastOnInvalidInput(V1JobSpec job)
    {
        // Exit 2 (invalid policy or options) fails the Job at once instead of burning retries.
        V1PodFailurePolicyRule rule = Assert.Single(job.PodFailurePolicy.Rules);
        Assert.Equal("FailJob", rule.Action);
        Assert.Equal(("rebalancer", "In"), (rule.OnExitCodes.ContainerName, rule.OnExitCodes.OperatorProperty));
        Assert.Equal([2], rule.OnExitCodes.Values);
    }
}
