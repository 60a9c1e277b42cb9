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
public sealed partial class DockerfileTests
{
    /// <summary><c>FROM [--platform=…] image:tag@sha256:digest [AS name]</c>, or a FROM of an earlier stage (no digest).</summary>
    [GeneratedRegex(@"^FROM (--platform=\S+ )?(?<image>[^\s:@]+(/[^\s:@]+)*)(:(?<tag>[^\s@]+)@sha256:(?<digest>[0-9a-f]{64}))?( AS (?<name>\S+))?$")]
    private static partial Regex FromInstruction();

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
    public void Dockerfile_Should_PinEveryBaseImageByDigest_WithItsTag()
    {
        DockerfileFacts docker = DockerfileFacts.Load();
        string[] stages = [.. docker.AllInstructions.Select(i => FromInstruction().Match(i)).Where(m => m.Success).Select(m => m.Groups["name"].Value)];
        List<Match> bases = [.. docker.AllInstructions
            .Where(i => i.StartsWith("FROM ", StringComparison.Ordinal))
            .Select(i => FromInstruction().Match(i))
            .Where(m => !stages.Contains(m.Groups["image"].Value, StringComparer.Ordinal))];

        // A floating tag alone rebuilds onto whatever the tag points to that day; the tag stays for people and tools.
        Assert.Equal(2, bases.Count);
        Assert.All(bases, m =>
        {
            Assert.True(m.Success, "a FROM is not image:tag@sha256:<64 hex> [AS name]: " + m.Value);
            Assert.StartsWith("mcr.microsoft.com/dotnet/", m.Groups["image"].Value, StringComparison.Ordinal);
            Assert.NotEmpty(m.Groups["tag"].Value);
        });
        Assert.Equal(bases.Count, bases.Select(m => m.Groups["digest"].Value).Distinct().Count());

        // The comment above each FROM names the tag it was taken from.
        string text = File.ReadAllText(RepoPaths.Of("Dockerfile")).ReplaceLineEndings("\n");
        foreach (Match m in bases)
        {
            string[] lines = text.Split('\n');
            int at = Array.FindIndex(lines, l => l.Contains(m.Groups["digest"].Value, StringComparison.Ordinal) && l.StartsWith("FROM ", StringComparison.Ordinal));
            Assert.True(at > 0 && lines[at - 1].StartsWith($"# {m.Groups["image"].Value}:{m.Groups["tag"].Value}", StringComparison.Ordinal),
                $"the line above the FROM of {m.Groups["image"].Value} should be '# {m.Groups["image"].Value}:{m.Groups["tag"].Value}'");
        }

        // The final stage's labels name its base image and digest as the FROM line does.
        Match final = FromInstruction().Match(docker.FinalStage[0]);
        string labels = Assert.Single(docker.FinalStage, i => i.StartsWith("LABEL ", StringComparison.Ordinal));
        Assert.Contains($"org.opencontainers.image.base.name=\"{final.Groups["image"].Value}:{final.Groups["tag"].Value}\"", labels, StringComparison.Ordinal);
        Assert.Contains($"org.opencontainers.image.base.digest=\"sha256:{final.Groups["digest"].Value}\"", labels, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_Should_CompileOnTheBuildPlatformForTheTargetPlatform()
    {
        DockerfileFacts docker = DockerfileFacts.Load();
        List<string> froms = [.. docker.AllInstructions.Where(i => i.StartsWith("FROM ", StringComparison.Ordinal))];

        // The SDK runs natively and cross-compiles: an arm64 image is not built under emulation. The final stage is the
        // target platform's (no --platform).
        Assert.StartsWith("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:", froms[0], StringComparison.Ordinal);
        Assert.DoesNotContain("--platform", froms[^1], StringComparison.Ordinal);
        List<string> all = [.. docker.AllInstructions];
        List<string> buildStage = all[all.IndexOf(froms[0])..all.IndexOf(froms[^1])];
        Assert.Contains("ARG TARGETARCH", buildStage);

        // Restore and publish take the runtime identifier from TARGETARCH through the publish script, never a fixed one.
        Assert.Contains(buildStage, i => i.StartsWith("RUN dotnet restore ", StringComparison.Ordinal) && i.Contains("$(.ci/publish.sh --print-rid)", StringComparison.Ordinal));
        Assert.DoesNotContain(buildStage, i => i.Contains("linux-x64", StringComparison.Ordinal) || i.Contains("linux-arm64", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("amd64", null, 0, "linux-x64")]
    [InlineData("arm64", null, 0, "linux-arm64")]
    [InlineData("", null, 0, "linux-x64")]
    [InlineData("arm64", "linux-musl-arm64", 0, "linux-musl-arm64")]
    [InlineData("arm", null, 2, "TARGETARCH 'arm' is not supported (amd64 or arm64)")]
    [InlineData("s390x", null, 2, "TARGETARCH 's390x' is not supported (amd64 or arm64)")]
    public async Task PublishScript_Should_MapTheDockerArchitectureToARuntimeIdentifier(string targetArch, string? rid, int exitCode, string output)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", [RepoPaths.Of(".ci/publish.sh"), "--print-rid"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TARGETARCH"] = targetArch;
        start.Environment.Remove("RID");
        if (rid is not null)
        {
            start.Environment["RID"] = rid;
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        string stdout = await process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains(output, exitCode == 0 ? stdout.Trim() : stderr, StringComparison.Ordinal);
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
