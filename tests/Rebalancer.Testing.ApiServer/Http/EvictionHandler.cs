using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary><c>POST /api/v1/namespaces/{ns}/pods/{name}/eviction</c>, step by step as
/// <c>pkg/registry/core/pod/storage/eviction.go</c> (v1.32 line) does it. The whole eviction runs under the store's lock,
/// so the PDB update never conflicts (no 504) and the server-added resourceVersion precondition never fails.</summary>
internal sealed class EvictionHandler
{
    /// <summary><c>MaxDisruptedPodSize</c>.</summary>
    public const int MaxDisruptedPodSize = 2000;

    private const string ViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

    private readonly ClusterStore _store;

    public EvictionHandler(ClusterStore store) => _store = store;

    public async Task HandleAsync(HttpContext context, string ns, string name)
    {
        var (body, bodyError) = await Responses.ReadBodyAsync(context, allowEmpty: false).ConfigureAwait(false);
        var status = bodyError ?? Evict(context.Request.Query["dryRun"].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList(), body!, ns, name);
        await Responses.WriteStatusAsync(context, status).ConfigureAwait(false);
    }

    internal KubeStatus Evict(List<string> queryDryRun, JsonObject eviction, string ns, string name)
    {
        // Decoding: kind/apiVersion default from the endpoint; policy/v1 and policy/v1beta1 are accepted.
        string? kind = eviction.GetString("kind");
        string? apiVersion = eviction.GetString("apiVersion");
        if (kind is not null && kind != "Eviction")
        {
            return KubeStatus.BadRequest($"not a Eviction object: {kind}");
        }

        if (apiVersion is not null && apiVersion is not ("policy/v1" or "policy/v1beta1"))
        {
            return KubeStatus.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version (policy/v1)");
        }

        var metadata = eviction["metadata"] as JsonObject ?? [];
        string? bodyNamespace = metadata.GetString("namespace");
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            return KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (ResourceApi.ValidateDryRun(queryDryRun, "CreateOptions.meta.k8s.io") is { } invalidQuery)
        {
            return invalidQuery;
        }

        if (metadata.GetString("name") != name)
        {
            return KubeStatus.BadRequest("name in URL does not match name in Eviction object");
        }

        // propagateDryRun
        var deleteOptions = eviction["deleteOptions"] as JsonObject;
        var bodyDryRun = (deleteOptions?["dryRun"] as JsonArray)?.Select(v => v?.ToString() ?? "").ToList() ?? [];
        List<string> dryRunValues;
        if (deleteOptions is null || bodyDryRun.Count == 0)
        {
            dryRunValues = queryDryRun;
        }
        else if (queryDryRun.Count == 0)
        {
            dryRunValues = bodyDryRun;
        }
        else if (!queryDryRun.SequenceEqual(bodyDryRun))
        {
            return KubeStatus.Plain(500, $"Non-matching dry-run options in request and content: [{string.Join(' ', queryDryRun)}] and [{string.Join(' ', bodyDryRun)}]");
        }
        else
        {
            dryRunValues = bodyDryRun;
        }

        if (ResourceApi.ValidateDryRun(bodyDryRun, "DeleteOptions.meta.k8s.io") is { } invalidBody)
        {
            return invalidBody;
        }

        bool dryRun = dryRunValues.Count > 0;
        string? preconditionUid = deleteOptions?["preconditions"]?.GetString("uid");
        string? preconditionRv = deleteOptions?["preconditions"]?.GetString("resourceVersion");

        return _store.Transaction(() =>
        {
            var state = _store.State;

            // NamespaceLifecycle admission (eviction is a create on pods/eviction).
            var namespaceObject = state.Get(ResourceCatalog.Namespaces, "", ns);
            if (namespaceObject is not null && (namespaceObject.Json.Str("status", "phase") == "Terminating" || namespaceObject.Json.Str("metadata", "deletionTimestamp") is not null))
            {
                var forbidden = KubeStatus.Forbidden("pods", "", "pods", name, $"unable to create new content in namespace {ns} because it is being terminated");
                forbidden.Causes.Add(("NamespaceTerminating", $"namespace {ns} is being terminated", "metadata.namespace"));
                return forbidden;
            }

            var pod = state.Get(ResourceCatalog.Pods, ns, name);
            if (pod is null)
            {
                return KubeStatus.NotFound(ResourceCatalog.Pods, name);
            }

            // 3. canIgnorePDB: terminal, Pending or terminating pods are deleted without looking at budgets.
            string phase = pod.Json.Str("status", "phase") ?? "";
            bool terminating = pod.Json.Str("metadata", "deletionTimestamp") is not null;
            if (phase is "Succeeded" or "Failed" or "Pending" || terminating)
            {
                return DeletePod(pod, dryRun, preconditionUid, preconditionRv) ?? Success();
            }

            // 4. PDBs in the pod's namespace whose (valid) selector matches the pod.
            var pdbs = state.List(ResourceCatalog.PodDisruptionBudgets, ns).Where(p =>
            {
                try
                {
                    return LabelSelector.FromStructured(p.Json.At("spec", "selector")).Matches(pod.Labels);
                }
                catch (FormatException)
                {
                    return false;
                }
            }).ToList();
            if (pdbs.Count > 1)
            {
                return KubeStatus.Plain(500, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
            }

            if (pdbs.Count == 1)
            {
                var pdb = pdbs[0];
                bool decrement = true;

                // 5. Unready pods may go without consuming budget.
                if (!ClusterStore.IsPodReady(pod.Json))
                {
                    long currentHealthy = pdb.Json.Long("status", "currentHealthy") ?? 0;
                    long desiredHealthy = pdb.Json.Long("status", "desiredHealthy") ?? 0;
                    if (pdb.Json.Str("spec", "unhealthyPodEvictionPolicy") == "AlwaysAllow"
                        || (currentHealthy >= desiredHealthy && desiredHealthy > 0))
                    {
                        decrement = false;
                    }
                }

                // 6. checkAndDecrement
                if (decrement && CheckAndDecrement(pdb, name, dryRun) is { } refused)
                {
                    return refused;
                }
            }

            // 7. Delete (the caller's preconditions are checked here, after the budget was taken, as the real server does).
            return DeletePod(pod, dryRun, preconditionUid, preconditionRv) ?? Success();
        });
    }

    private static KubeStatus Success() => KubeStatus.SuccessStatus(201);

    private KubeStatus? CheckAndDecrement(StoredObject pdb, string podName, bool dryRun)
    {
        long generation = pdb.Json.Long("metadata", "generation") ?? 0;
        long observed = pdb.Json.Long("status", "observedGeneration") ?? 0;
        if (observed < generation)
        {
            return StillProcessing(pdb.Name);
        }

        long allowed = pdb.Json.Long("status", "disruptionsAllowed") ?? 0;
        if (allowed < 0)
        {
            return KubeStatus.Forbidden("poddisruptionbudget.policy", "policy", "poddisruptionbudget", pdb.Name, "pdb disruptions allowed is negative");
        }

        var disruptedPods = pdb.Json.At("status", "disruptedPods");
        if (disruptedPods.IsObject() && disruptedPods.EnumerateObject().Count() > MaxDisruptedPodSize)
        {
            return KubeStatus.Forbidden("poddisruptionbudget.policy", "policy", "poddisruptionbudget", pdb.Name,
                "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
        }

        if (allowed == 0)
        {
            long desired = pdb.Json.Long("status", "desiredHealthy") ?? 0;
            long current = pdb.Json.Long("status", "currentHealthy") ?? 0;
            return KubeStatus.TooManyRequests(ViolationMessage, 0,
                ("DisruptionBudget", $"The disruption budget {pdb.Name} needs {desired.ToString(CultureInfo.InvariantCulture)} healthy pods and has {current.ToString(CultureInfo.InvariantCulture)} currently"));
        }

        if (dryRun)
        {
            return null; // the decrement is computed and thrown away
        }

        var node = Json.ToNode(pdb.Json);
        var status = node.EnsureObject("status");
        status["disruptionsAllowed"] = allowed - 1;
        if (allowed - 1 == 0)
        {
            ClusterStore.UpdateDisruptionAllowedCondition(status, _store.Now);
        }

        var disrupted = status["disruptedPods"] as JsonObject ?? [];
        disrupted[podName] = Json.Rfc3339(_store.Now);
        status["disruptedPods"] = disrupted;
        _store.CommitPut(ResourceCatalog.PodDisruptionBudgets, node, statusOnly: true);
        return null;
    }

    internal static KubeStatus StillProcessing(string pdbName) =>
        KubeStatus.TooManyRequests(ViolationMessage, 10, ("DisruptionBudget", $"The disruption budget {pdbName} is still being processed by the server."));

    /// <summary><c>addConditionAndDeletePod</c>: not in dry run, the DisruptionTarget condition is added first (checking the
    /// caller's preconditions against the latest pod), then the pod is deleted. Returns an error status or null.</summary>
    private KubeStatus? DeletePod(StoredObject pod, bool dryRun, string? uid, string? resourceVersion)
    {
        if (dryRun)
        {
            // A dry-run delete still checks storage preconditions.
            return ResourceApi.CheckPreconditions(pod, uid, resourceVersion);
        }

        if (!string.IsNullOrEmpty(uid) && uid != pod.Uid)
        {
            return KubeStatus.Conflict("Pod", "", pod.Name,
                $"the UID in the precondition ({uid}) does not match the UID in record ({pod.Uid}). The object might have been deleted and then recreated");
        }

        string currentRv = pod.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != currentRv)
        {
            return KubeStatus.Conflict("Pod", "", pod.Name,
                $"the ResourceVersion in the precondition ({resourceVersion}) does not match the ResourceVersion in record ({currentRv}). The object might have been modified");
        }

        var node = Json.ToNode(pod.Json);
        var status = node.EnsureObject("status");
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        var condition = conditions.OfType<JsonObject>().FirstOrDefault(c => c.GetString("type") == "DisruptionTarget");
        string now = Json.Rfc3339(_store.Now);
        if (condition is null)
        {
            conditions.Add(new JsonObject
            {
                ["type"] = "DisruptionTarget",
                ["status"] = "True",
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = now,
                ["reason"] = "EvictionByEvictionAPI",
                ["message"] = "Eviction API: evicting",
            });
        }
        else
        {
            if (condition.GetString("status") != "True")
            {
                condition["lastTransitionTime"] = now;
            }

            condition["status"] = "True";
            condition["reason"] = "EvictionByEvictionAPI";
            condition["message"] = "Eviction API: evicting";
        }

        var updated = _store.CommitPut(ResourceCatalog.Pods, node);
        _store.DeleteObject(updated);
        return null;
    }
}
