using System.Text.Json;
using k8s.Models;
using Rebalancer.Cli;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Deploy.Tests;

/// <summary>
/// Runs each overlay's container as the pod would — its args, its policy ConfigMap "mounted" at the mount path — against
/// the test API server seeded with the demo cluster, then checks every request it made against the rendered ClusterRole:
/// the RBAC is not only exact on paper, it is enough for a real run and nothing the run does needs more.
/// </summary>
public sealed class ManifestRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-deploy-").FullName;

    public static TheoryData<string, string> Overlays => new()
    {
        { "overlays/cronjob", "run" },
        { "overlays/job", "run" },
        { "overlays/dry-run", "dry-run-client" },
    };

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public async Task ContainerArgs_Should_RunWithinTheClusterRole(string target, string expectedMode)
    {
        Rendered rendered = Kustomize.Render(target);
        (_, V1PodTemplateSpec template) = Assert.Single(rendered.PodTemplates());
        V1Container container = Assert.Single(template.Spec.Containers);
        string[] args = [.. container.Args.Select(arg => Mounted(rendered, template.Spec, container, arg))];
        SortedSet<string> granted = Grant.Of(Assert.Single(rendered.All<V1ClusterRole>()));
        string ns = Assert.Single(rendered.All<V1ServiceAccount>()).Metadata.NamespaceProperty;
        SortedSet<string> grantedInNamespace = [.. rendered.All<V1Role>().Where(r => r.Metadata.NamespaceProperty == ns).SelectMany(Grant.Of)];

        await using TestApiServer server = await TestApiServer.StartAsync(new TestApiServerOptions { SnapshotPath = RepoPaths.Of("samples/demo-cluster.json") });
        server.Store.Put($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");

        // In the pod the in-cluster service account is used, and the lease is in the pod's own namespace; here the
        // kubeconfig of the test server and --lease-namespace stand in for them.
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"));
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync([.. args, "--kubeconfig", kubeconfig, "--lease-namespace", ns], new CliConsole(output, error, () => new MemoryStream(), IsTerminal: false));

        Assert.True(code == 0, $"exit {code}\n{error}");
        using JsonDocument report = JsonDocument.Parse(output.ToString());
        Assert.Equal(expectedMode, report.RootElement.GetProperty("metadata").GetProperty("mode").GetString());
        var requests = server.Journal.Entries.Select(e => Needed(e.Method, e.Path, e.IsWatch)).OfType<(Grant, string?)>().ToList();
        Assert.NotEmpty(requests);
        foreach ((Grant grant, string? requestNamespace) in requests)
        {
            string any = (grant with { Name = null }).ToString();
            bool allowed = granted.Contains(any)
                || (requestNamespace == ns && (grantedInNamespace.Contains(any) || grantedInNamespace.Contains(grant.ToString())));
            Assert.True(allowed, $"{grant} in namespace {requestNamespace ?? "(cluster)"} is not granted by {target}");
        }

        var needed = requests.Select(r => (r.Item1 with { Name = null }).ToString()).ToHashSet(StringComparer.Ordinal);
        if (expectedMode == "run")
        {
            Assert.Contains("create core/pods/eviction", needed);
            Assert.Contains("create events.k8s.io/events", needed);
            Assert.Contains(requests, r => r.Item1.ToString() == "update coordination.k8s.io/leases named rebalancer" && r.Item2 == ns);
        }
        else
        {
            Assert.DoesNotContain(needed, n => n.StartsWith("create", StringComparison.Ordinal) || n.StartsWith("update", StringComparison.Ordinal));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
    }

    /// <summary>An arg that names a file under a ConfigMap volume's mount path, rewritten to that file written out here.</summary>
    private string Mounted(Rendered rendered, V1PodSpec pod, V1Container container, string arg)
    {
        foreach (V1VolumeMount mount in container.VolumeMounts)
        {
            string? configMap = pod.Volumes.Single(v => v.Name == mount.Name).ConfigMap?.Name;
            if (configMap is null || !arg.StartsWith(mount.MountPath + "/", StringComparison.Ordinal))
            {
                continue;
            }

            string key = arg[(mount.MountPath.Length + 1)..];
            string file = Path.Combine(_directory, mount.Name, key);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, rendered.Single<V1ConfigMap>(configMap).Data[key]);
            return file;
        }

        return arg;
    }

    /// <summary>
    /// The RBAC permission a request needs, as the API server's request-info resolver derives it (with the object's
    /// name, which a rule's resourceNames may match) and its namespace; null for discovery and <c>/version</c>, which
    /// every authenticated user may read (the default <c>system:discovery</c> role).
    /// </summary>
    private static (Grant Grant, string? Namespace)? Needed(string method, string path, bool watch)
    {
        string[] segments = path.Trim('/').Split('/');
        int resourceAt = segments[0] switch
        {
            "api" when segments.Length >= 3 => 2,            // /api/v1/{resource}
            "apis" when segments.Length >= 4 => 3,           // /apis/{group}/{version}/{resource}
            _ => -1,
        };
        if (resourceAt < 0)
        {
            return null;
        }

        string group = segments[0] == "api" ? string.Empty : segments[1];
        string[] rest = segments[resourceAt..];
        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            ns = rest[1];
            rest = rest[2..];                                // a namespaced path: skip namespaces/{ns}
        }

        bool named = rest.Length >= 2;
        string resource = rest.Length >= 3 ? $"{rest[0]}/{rest[2]}" : rest[0];
        string verb = method.ToUpperInvariant() switch
        {
            "GET" when watch => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return (new Grant(group, resource, verb, named ? rest[1] : null), ns);
    }
}
