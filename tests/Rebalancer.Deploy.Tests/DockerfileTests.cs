using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Rebalancer.Deploy.Tests;

/// <summary>What the tests need from the repository's Dockerfile: its final stage's user and instructions.</summary>
internal sealed partial record DockerfileFacts(long Uid, long Gid, IReadOnlyList<string> FinalStage, IReadOnlyList<string> AllInstructions)
{
    public static DockerfileFacts Load()
    {
        // Continuation lines joined, comments dropped: one string per instruction.
        string text = File.ReadAllText(RepoPaths.Of("Dockerfile")).ReplaceLineEndings("\n");
        List<string> instructions = [.. text.Split('\n')
            .Where(line => !line.TrimStart().StartsWith('#'))
            .Aggregate(new List<string> { string.Empty }, (acc, line) =>
            {
                acc[^1] += line.TrimEnd().TrimEnd('\\') + " ";
                if (!line.TrimEnd().EndsWith('\\'))
                {
                    acc.Add(string.Empty);
                }

                return acc;
            })
            .Select(i => i.Trim())
            .Where(i => i.Length > 0)];
        int lastFrom = instructions.FindLastIndex(i => i.StartsWith("FROM ", StringComparison.Ordinal));
        List<string> final = instructions[lastFrom..];
        Match user = UserInstruction().Match(Assert.Single(final, i => i.StartsWith("USER ", StringComparison.Ordinal)));
        Assert.True(user.Success, "the final stage's USER must be numeric UID:GID (runAsNonRoot can only verify a number)");
        return new DockerfileFacts(long.Parse(user.Groups["uid"].Value), long.Parse(user.Groups["gid"].Value), final, instructions);
    }

    [GeneratedRegex(@"^USER (?<uid>\d+):(?<gid>\d+)$")]
    private static partial Regex UserInstruction();
}

/// <summary>The image and the manifests agree, and the image is built with the same publish command as CI.</summary>
public sealed class DockerfileTests
{
    [Fact]
    public void Dockerfile_Should_RunAsTheManifestsUser()
    {
        // Read from the base file itself (no kubectl needed): the overlays keep its securityContext (WorkloadTests).
        V1CronJob cron = KubernetesYaml.Deserialize<V1CronJob>(File.ReadAllText(Path.Combine(RepoPaths.Deploy, "base", "cronjob.yaml")));
        V1PodSecurityContext security = cron.Spec.JobTemplate.Spec.Template.Spec.SecurityContext;

        DockerfileFacts docker = DockerfileFacts.Load();

        Assert.NotEqual(0, docker.Uid);
        Assert.Equal(security.RunAsUser, docker.Uid);
        Assert.Equal(security.RunAsGroup, docker.Gid);
    }

    [Fact]
    public void Dockerfile_Should_PublishWithTheCiScript()
    {
        DockerfileFacts docker = DockerfileFacts.Load();

        // One publish command for CI and the image: the Dockerfile runs .ci/publish.sh and never `dotnet publish` itself.
        Assert.Contains(docker.AllInstructions, i => i.StartsWith("RUN ", StringComparison.Ordinal) && i.Contains(".ci/publish.sh", StringComparison.Ordinal));
        Assert.Contains("COPY . .", docker.AllInstructions);
        string[] ignored = File.ReadAllLines(RepoPaths.Of(".dockerignore"));
        Assert.DoesNotContain(ignored, line => line.Trim().TrimEnd('/') is ".ci" or ".*" or ".ci/publish.sh");
        Assert.DoesNotContain(docker.AllInstructions, i => i.Contains("dotnet publish", StringComparison.Ordinal));
        string script = File.ReadAllText(RepoPaths.Of(".ci/publish.sh"));
        Assert.Contains("dotnet publish src/Rebalancer.Cli", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_Should_StartTheCliAsTheManifestsExpect()
    {
        DockerfileFacts docker = DockerfileFacts.Load();

        // The manifests set only args (starting with `run`) and rely on this entry point.
        Assert.Contains("ENTRYPOINT [\"rebalancer\"]", docker.FinalStage);
        Assert.Contains("CMD [\"run\"]", docker.FinalStage);
        Assert.Contains(docker.FinalStage, i => i.StartsWith("LABEL ", StringComparison.Ordinal) && i.Contains("org.opencontainers.image.title", StringComparison.Ordinal));
    }
}
