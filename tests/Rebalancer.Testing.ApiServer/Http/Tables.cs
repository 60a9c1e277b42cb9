using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary>Server-side printing (<c>meta.k8s.io/v1 Table</c>) for kubectl's human-readable output, following
/// <c>pkg/printers/internalversion/printers.go</c> for pods, nodes, PDBs, namespaces and the workload and inventory kinds
/// (Tables.Inventory.cs); other resources get Name / Created At.</summary>
internal static partial class Tables
{
    public const string ContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private sealed record Column(string Name, string Type, string Format, string Description, int Priority = 0);

    /// <summary>True when the Accept header asks for <c>as=Table;g=meta.k8s.io;v=v1|v1beta1</c> (parameters matched exactly).</summary>
    public static bool Wanted(HttpRequest request)
    {
        foreach (string? accept in request.Headers.Accept)
        {
            if (accept is null)
            {
                continue;
            }

            foreach (string mediaType in accept.Split(','))
            {
                var parameters = mediaType.Split(';').Skip(1)
                    .Select(p => p.Split('=', 2))
                    .Where(p => p.Length == 2)
                    .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
                if (parameters.TryGetValue("as", out string? asValue) && asValue == "Table"
                    && parameters.TryGetValue("g", out string? group) && group == "meta.k8s.io"
                    && parameters.TryGetValue("v", out string? version) && version is "v1" or "v1beta1")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static readonly Column NameColumn = new("Name", "string", "name",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names");

    private static readonly Column AgeColumn = new("Age", "string", "",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");

    private static IReadOnlyList<Column> ColumnsFor(ResourceType type)
    {
        if (InventoryColumns(type) is { } inventory)
        {
            return inventory;
        }

        if (type == ResourceCatalog.Pods)
        {
            return
            [
                NameColumn,
                new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."),
                new("Status", "string", "", "The aggregate status of the containers in this pod."),
                new("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                AgeColumn,
                new("IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
                new("Node", "string", "", "NodeName is a request to schedule this pod onto a specific node.", 1),
                new("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
                new("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
            ];
        }

        if (type == ResourceCatalog.Nodes)
        {
            return
            [
                NameColumn,
                new("Status", "string", "", "The status of the node"),
                new("Roles", "string", "", "The roles of the node"),
                AgeColumn,
                new("Version", "string", "", "Kubelet Version reported by the node."),
                new("Internal-IP", "string", "", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
                new("External-IP", "string", "", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
                new("OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
                new("Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
                new("Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
            ];
        }

        if (type == ResourceCatalog.PodDisruptionBudgets)
        {
            return
            [
                NameColumn,
                new("Min Available", "string", "", "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
                new("Max Unavailable", "string", "", "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
                new("Allowed Disruptions", "integer", "", "Calculated number of pods that may be disrupted at this time."),
                AgeColumn,
            ];
        }

        if (type == ResourceCatalog.Namespaces)
        {
            return [NameColumn, new("Status", "string", "", "The status of the namespace"), AgeColumn];
        }

        if (type.Storage == ResourceCatalog.Events)
        {
            // eventColumnDefinitions; the server always sends the wide cells, kubectl hides priority 1 without -o wide.
            return
            [
                new("Last Seen", "string", "", "The time at which the most recent occurrence of this event was recorded."),
                new("Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future"),
                new("Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                new("Object", "string", "", "The object that this event is about."),
                new("Subobject", "string", "", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", 1),
                new("Source", "string", "", "The component reporting this event. Should be a short machine understandable string.", 1),
                new("Message", "string", "", "A human-readable description of the status of this operation."),
                new("First Seen", "string", "", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
                new("Count", "string", "", "The number of times this event has occurred.", 1),
                new("Name", "string", "name", NameColumn.Description, 1),
            ];
        }

        return [NameColumn, new("Created At", "date", "", AgeColumn.Description)];
    }

    /// <summary>Writes a Table for <paramref name="objects"/>; <paramref name="includeColumns"/> is false for watch events after the first.</summary>
    public static void Write(Utf8JsonWriter w, ResourceType type, IEnumerable<StoredObject> objects, DateTimeOffset now, string includeObject,
        string? resourceVersion, string? continueToken, long? remaining, bool includeColumns = true)
    {
        var columns = ColumnsFor(type);
        w.WriteStartObject();
        w.WriteString("kind", "Table");
        w.WriteString("apiVersion", "meta.k8s.io/v1");
        w.WriteStartObject("metadata");
        if (resourceVersion is not null)
        {
            w.WriteString("resourceVersion", resourceVersion);
        }

        if (!string.IsNullOrEmpty(continueToken))
        {
            w.WriteString("continue", continueToken);
        }

        if (remaining is { } count)
        {
            w.WriteNumber("remainingItemCount", count);
        }

        w.WriteEndObject();
        if (includeColumns)
        {
            w.WriteStartArray("columnDefinitions");
            foreach (var column in columns)
            {
                w.WriteStartObject();
                w.WriteString("name", column.Name);
                w.WriteString("type", column.Type);
                w.WriteString("format", column.Format);
                w.WriteString("description", column.Description);
                w.WriteNumber("priority", column.Priority);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteStartArray("rows");
        foreach (var obj in objects)
        {
            w.WriteStartObject();
            w.WriteStartArray("cells");
            foreach (var cell in Cells(type, obj.Json, now))
            {
                switch (cell)
                {
                    case long number:
                        w.WriteNumberValue(number);
                        break;
                    default:
                        w.WriteStringValue(cell.ToString());
                        break;
                }
            }

            w.WriteEndArray();
            if (includeObject == "Object")
            {
                w.WritePropertyName("object");
                type.View(obj.Json).WriteTo(w);
            }
            else if (includeObject != "None")
            {
                w.WriteStartObject("object");
                w.WriteString("kind", "PartialObjectMetadata");
                w.WriteString("apiVersion", "meta.k8s.io/v1");
                w.WritePropertyName("metadata");
                obj.Json.At("metadata").WriteTo(w);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static object[] Cells(ResourceType type, JsonElement obj, DateTimeOffset now)
    {
        string name = obj.Str("metadata", "name") ?? "";
        string age = Age(obj.Str("metadata", "creationTimestamp"), now);
        if (InventoryCells(type, obj, name, age, now) is { } inventory)
        {
            return inventory;
        }

        if (type == ResourceCatalog.Pods)
        {
            return PodCells(obj, name, age, now);
        }

        if (type == ResourceCatalog.Nodes)
        {
            return NodeCells(obj, name, age);
        }

        if (type == ResourceCatalog.PodDisruptionBudgets)
        {
            return
            [
                name,
                IntOrString(obj.At("spec", "minAvailable")),
                IntOrString(obj.At("spec", "maxUnavailable")),
                obj.Long("status", "disruptionsAllowed") ?? 0,
                age,
            ];
        }

        if (type == ResourceCatalog.Namespaces)
        {
            return [name, obj.Str("status", "phase") ?? "Active", age];
        }

        if (type.Storage == ResourceCatalog.Events)
        {
            return EventCells(obj, name, now);
        }

        return [name, obj.Str("metadata", "creationTimestamp") ?? ""];
    }

    private static string IntOrString(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.String => value.GetString() ?? "N/A",
        _ => "N/A",
    };

    private static object[] PodCells(JsonElement pod, string name, string age, DateTimeOffset now)
    {
        var containerStatuses = pod.At("status", "containerStatuses").Items().ToList();
        int total = pod.At("spec", "containers").Items().Count();
        int ready = 0;
        long restarts = 0;
        DateTimeOffset? lastRestart = null;
        string reason = pod.Str("status", "reason") ?? pod.Str("status", "phase") ?? "";
        bool hasRunning = false;
        for (int i = containerStatuses.Count - 1; i >= 0; i--)
        {
            var container = containerStatuses[i];
            restarts += container.Long("restartCount") ?? 0;
            if (Json.ParseTime(container.Str("lastState", "terminated", "finishedAt")) is { } finished && (lastRestart is null || finished > lastRestart))
            {
                lastRestart = finished;
            }

            if (container.Str("state", "waiting", "reason") is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (container.At("state", "terminated").IsObject())
            {
                var terminated = container.At("state", "terminated");
                reason = terminated.Str("reason") is { Length: > 0 } r ? r
                    : terminated.Long("signal") is { } signal and not 0 ? $"Signal:{signal.ToString(CultureInfo.InvariantCulture)}"
                    : $"ExitCode:{(terminated.Long("exitCode") ?? 0).ToString(CultureInfo.InvariantCulture)}";
            }
            else if (container.Bool("ready") && container.At("state", "running").IsObject())
            {
                hasRunning = true;
                ready++;
            }
        }

        if (reason == "Completed" && hasRunning)
        {
            reason = ClusterStore.IsPodReady(pod) ? "Running" : "NotReady";
        }

        if (pod.Str("metadata", "deletionTimestamp") is not null)
        {
            reason = pod.Str("status", "reason") == "NodeLost" ? "Unknown" : "Terminating";
        }

        string restartText = restarts.ToString(CultureInfo.InvariantCulture);
        if (lastRestart is { } last)
        {
            restartText += $" ({Age(Json.Rfc3339(last), now)} ago)";
        }

        string ip = pod.At("status", "podIPs").Items().Select(p => p.Str("ip")).FirstOrDefault() ?? pod.Str("status", "podIP") ?? "<none>";
        var gates = pod.At("spec", "readinessGates").Items().ToList();
        string readinessGates = "<none>";
        if (gates.Count > 0)
        {
            var conditions = pod.At("status", "conditions").Items().ToList();
            int trueGates = gates.Count(g => conditions.Any(c => c.Str("type") == g.Str("conditionType") && c.Str("status") == "True"));
            readinessGates = $"{trueGates}/{gates.Count}";
        }

        return
        [
            name,
            $"{ready}/{total}",
            reason,
            restartText,
            age,
            ip,
            pod.Str("spec", "nodeName") is { Length: > 0 } node ? node : "<none>",
            pod.Str("status", "nominatedNodeName") is { Length: > 0 } nominated ? nominated : "<none>",
            readinessGates,
        ];
    }

    /// <summary><c>printEvent</c> (wide) on the stored core/v1 shape, which both event APIs share.</summary>
    private static object[] EventCells(JsonElement e, string name, DateTimeOffset now)
    {
        string Since(string? timestamp) => Json.ParseTime(timestamp) is { } at ? HumanDuration(now - at) : "<unknown>";
        string first = e.Str("firstTimestamp") is { Length: > 0 } firstTimestamp ? Since(firstTimestamp) : Since(e.Str("eventTime"));
        string last = e.Str("lastTimestamp") is { Length: > 0 } lastTimestamp ? Since(lastTimestamp) : first;
        long count = e.Long("count") ?? 0;
        if (e.At("series").IsObject())
        {
            last = Since(e.Str("series", "lastObservedTime"));
            count = e.Long("series", "count") ?? 0;
        }
        else if (count == 0)
        {
            count = 1; // singleton events have no count in the new API
        }

        string kind = (e.Str("involvedObject", "kind") ?? "").ToLowerInvariant();
        string target = e.Str("involvedObject", "name") is { Length: > 0 } involved ? kind + "/" + involved : kind;
        string component = e.Str("source", "component") is { Length: > 0 } c ? c : e.Str("reportingComponent") ?? "";
        string instance = e.Str("source", "host") is { Length: > 0 } h ? h : e.Str("reportingInstance") ?? "";
        return
        [
            last,
            e.Str("type") ?? "",
            e.Str("reason") ?? "",
            target,
            e.Str("involvedObject", "fieldPath") ?? "",
            instance.Length == 0 ? component : component + ", " + instance,
            (e.Str("message") ?? "").Trim(),
            first,
            count,
            name,
        ];
    }

    private static object[] NodeCells(JsonElement node, string name, string age)
    {
        var conditions = node.At("status", "conditions").Items().ToList();
        var readyCondition = conditions.FirstOrDefault(c => c.Str("type") == "Ready");
        var statuses = new List<string>
        {
            readyCondition.ValueKind != JsonValueKind.Object ? "Unknown" : readyCondition.Str("status") == "True" ? "Ready" : "NotReady",
        };
        if (node.Bool("spec", "unschedulable"))
        {
            statuses.Add("SchedulingDisabled");
        }

        var roles = node.At("metadata", "labels").StringMap()
            .Select(kv => kv.Key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) ? kv.Key["node-role.kubernetes.io/".Length..]
                : kv.Key == "kubernetes.io/role" ? kv.Value : null)
            .Where(r => !string.IsNullOrEmpty(r))
            .Order(StringComparer.Ordinal)
            .ToList();
        string Address(string kind) =>
            node.At("status", "addresses").Items().Where(a => a.Str("type") == kind).Select(a => a.Str("address")).FirstOrDefault() ?? "<none>";
        string Info(string field) => node.Str("status", "nodeInfo", field) is { Length: > 0 } value ? value : "<unknown>";

        return
        [
            name,
            string.Join(',', statuses),
            roles.Count == 0 ? "<none>" : string.Join(',', roles),
            age,
            node.Str("status", "nodeInfo", "kubeletVersion") ?? "",
            Address("InternalIP"),
            Address("ExternalIP"),
            Info("osImage"),
            Info("kernelVersion"),
            Info("containerRuntimeVersion"),
        ];
    }

    private static string Age(string? timestamp, DateTimeOffset now) =>
        Json.ParseTime(timestamp) is { } created ? HumanDuration(now - created) : "<unknown>";

    /// <summary><c>k8s.io/apimachinery/pkg/util/duration.HumanDuration</c>.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        static string F(long v) => v.ToString(CultureInfo.InvariantCulture);
        long seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return F(seconds) + "s";
        }

        long minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            long s = seconds % 60;
            return s == 0 ? F(minutes) + "m" : F(minutes) + "m" + F(s) + "s";
        }

        if (minutes < 60 * 3)
        {
            return F(minutes) + "m";
        }

        long hours = (long)d.TotalHours;
        if (hours < 8)
        {
            long m = minutes % 60;
            return m == 0 ? F(hours) + "h" : F(hours) + "h" + F(m) + "m";
        }

        if (hours < 48)
        {
            return F(hours) + "h";
        }

        if (hours < 24 * 8)
        {
            long h = hours % 24;
            return h == 0 ? F(hours / 24) + "d" : F(hours / 24) + "d" + F(h) + "h";
        }

        if (hours < 24 * 365 * 2)
        {
            return F(hours / 24) + "d";
        }

        if (hours < 24 * 365 * 8)
        {
            long dy = hours / 24 % 365;
            return dy == 0 ? F(hours / 24 / 365) + "y" : F(hours / 24 / 365) + "y" + F(dy) + "d";
        }

        return F(hours / 24 / 365) + "y";
    }
}
