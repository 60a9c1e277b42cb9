using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Rebalancer.Testing.Synthetic;

/// <summary>
/// Streams a <see cref="ClusterModel"/> as kubectl prints it: object keys in alphabetical order (kubectl prints
/// unstructured objects, whose maps Go sorts), items grouped by resource type in the order of
/// <c>kubectl get nodes,pods,pdb,namespaces,priorityclasses</c>, each group sorted as the API server lists it.
/// Metrics documents follow in metrics-server's own field order, as <c>kubectl get --raw</c> prints them.
/// </summary>
internal sealed partial class KubectlJsonWriter : IDisposable
{
    private const int FlushThreshold = 1 << 20;

    // The default encoder is several times faster than a custom one; the few strings it would escape differently from
    // Go (quotes as \u0022, '+' as \u002B) are pre-encoded with the relaxed encoder, which escapes like Go's encoder.
    private static readonly JavaScriptEncoder Relaxed = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private static readonly SearchValues<char> DefaultSafe = SearchValues.Create(
        " !#$%()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly JsonEncodedText JavaOptions = JsonEncodedText.Encode("-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError", Relaxed);

    private readonly ClusterModel _m;
    private readonly SyntheticClusterOptions _o;
    private readonly Stream _out;
    private Utf8JsonWriter _w;

    // Identifiers (both modes) and realism-only noise come from separate generators, so the Realism flag does not
    // change names, uids or placement.
    private Random _ids;
    private Random _noise;
    private readonly Random _metrics;
    private readonly bool _real;
    private readonly bool _managed;
    private readonly long _now;
    private readonly List<(string Key, string Value)> _kv = [];
    private readonly char[] _buf = new char[4096];
    private readonly Dictionary<string, string> _digests = new(StringComparer.Ordinal);
    private long _rv = 58_000_000;
    private string _apiVolume = string.Empty;

    private KubectlJsonWriter(ClusterModel model, Stream output)
    {
        _m = model;
        _o = model.Options;
        _out = output;
        _real = _o.Realism;
        _managed = _o.Realism && _o.ManagedFields;
        _now = model.NowUnix;
        _ids = new Random(unchecked((_o.Seed * 31) + 17));
        _noise = new Random(unchecked((_o.Seed * 131) + 71));
        _metrics = new Random(unchecked((_o.Seed * 521) + 3));
        _jobIds = new Random(unchecked((_o.Seed * 733) + 5));
        _jobNoise = new Random(unchecked((_o.Seed * 739) + 11));
        _inventoryIds = new Random(unchecked((_o.Seed * 743) + 13));
        _w = new Utf8JsonWriter(output, new JsonWriterOptions
        {
            Indented = _o.Indented,
            IndentSize = _o.IndentSize,
            SkipValidation = true,
        });
    }

    public static void Write(ClusterModel model, Stream output)
    {
        using var writer = new KubectlJsonWriter(model, output);
        writer.WriteAll();
    }

    public void Dispose() => _w.Dispose();

    private void WriteAll()
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteStartArray("items"u8);
        for (int n = 0; n < _m.Nodes.Count; n++)
        {
            WriteNode(_m.Nodes[n]);
            MaybeFlush();
        }

        foreach (int p in _m.PodOrder)
        {
            WritePod(p);
            MaybeFlush();
        }

        foreach (int wl in _m.PdbOrder)
        {
            WritePdb(_m.Workloads[wl]);
        }

        foreach (int ns in _m.NamespaceOrder)
        {
            WriteNamespace(_m.Namespaces[ns]);
        }

        foreach (PriorityClassSpec pc in _m.PriorityClasses)
        {
            WritePriorityClass(pc);
        }

        WriteInventory();

        _w.WriteEndArray();
        _w.WriteString("kind"u8, "List"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteString("resourceVersion"u8, ""u8);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.Flush();
        _out.WriteByte((byte)'\n');

        if (_o.IncludeMetrics)
        {
            WriteMetrics();
        }

        _out.Flush();
    }

    private void MaybeFlush()
    {
        if (_w.BytesPending > FlushThreshold)
        {
            _w.Flush();
        }
    }

    // ---------------------------------------------------------------- formatting helpers

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The handler binds to the instance's buffer.")]
    private ReadOnlySpan<char> F([InterpolatedStringHandlerArgument("")] ref FormatHandler handler) => handler.Result;

    /// <summary>Formats into the writer's scratch buffer without allocating.</summary>
    [InterpolatedStringHandler]
    internal ref struct FormatHandler
    {
        private readonly char[] _buffer;
        private int _pos;

        public FormatHandler(int literalLength, int formattedCount, KubectlJsonWriter owner)
        {
            _ = literalLength;
            _ = formattedCount;
            _buffer = owner._buf;
            _pos = 0;
        }

        public readonly ReadOnlySpan<char> Result => _buffer.AsSpan(0, _pos);

        public void AppendLiteral(string value)
        {
            value.AsSpan().CopyTo(_buffer.AsSpan(_pos));
            _pos += value.Length;
        }

        public void AppendFormatted(string? value)
        {
            if (value is not null)
            {
                AppendFormatted(value.AsSpan());
            }
        }

        public void AppendFormatted(ReadOnlySpan<char> value)
        {
            value.CopyTo(_buffer.AsSpan(_pos));
            _pos += value.Length;
        }

        public void AppendFormatted(long value)
        {
            value.TryFormat(_buffer.AsSpan(_pos), out int written, default, System.Globalization.CultureInfo.InvariantCulture);
            _pos += written;
        }

        public void AppendFormatted(int value) => AppendFormatted((long)value);

        public void AppendFormatted(int value, string format)
        {
            value.TryFormat(_buffer.AsSpan(_pos), out int written, format, System.Globalization.CultureInfo.InvariantCulture);
            _pos += written;
        }
    }

    private void Time(ReadOnlySpan<byte> name, long unixSeconds)
    {
        Span<byte> s = stackalloc byte[20];
        FormatTime(unixSeconds, s);
        _w.WriteString(name, s);
    }

    private static void FormatTime(long unixSeconds, Span<byte> s)
    {
        DateTime t = DateTime.UnixEpoch.AddSeconds(unixSeconds);
        Digits(s[..4], t.Year);
        s[4] = (byte)'-';
        Digits(s.Slice(5, 2), t.Month);
        s[7] = (byte)'-';
        Digits(s.Slice(8, 2), t.Day);
        s[10] = (byte)'T';
        Digits(s.Slice(11, 2), t.Hour);
        s[13] = (byte)':';
        Digits(s.Slice(14, 2), t.Minute);
        s[16] = (byte)':';
        Digits(s.Slice(17, 2), t.Second);
        s[19] = (byte)'Z';
    }

    private static void Digits(Span<byte> target, int value)
    {
        for (int i = target.Length - 1; i >= 0; i--)
        {
            target[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>A quantity with a suffix, e.g. 250m, 512Mi, 123456789n, 65049568Ki.</summary>
    private void Quantity(ReadOnlySpan<byte> name, long value, ReadOnlySpan<byte> suffix)
    {
        Span<byte> s = stackalloc byte[32];
        value.TryFormat(s, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        suffix.CopyTo(s[n..]);
        _w.WriteString(name, s[..(n + suffix.Length)]);
    }

    private void Cpu(ReadOnlySpan<byte> name, long milli)
    {
        if (milli % 1000 == 0)
        {
            Quantity(name, milli / 1000, default);
        }
        else
        {
            Quantity(name, milli, "m"u8);
        }
    }

    private void Bytes(ReadOnlySpan<byte> name, long bytes)
    {
        if (bytes != 0 && bytes % Catalog.Gi == 0)
        {
            Quantity(name, bytes / Catalog.Gi, "Gi"u8);
        }
        else if (bytes != 0 && bytes % Catalog.Mi == 0)
        {
            Quantity(name, bytes / Catalog.Mi, "Mi"u8);
        }
        else if (bytes % 1024 == 0)
        {
            Quantity(name, bytes / 1024, "Ki"u8);
        }
        else
        {
            Quantity(name, bytes, default);
        }
    }

    private void Map(ReadOnlySpan<byte> name, List<(string Key, string Value)> kv)
    {
        kv.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        _w.WriteStartObject(name);
        foreach ((string key, string value) in kv)
        {
            if (value.AsSpan().ContainsAnyExcept(DefaultSafe))
            {
                _w.WriteString(key, JsonEncodedText.Encode(value, Relaxed));
            }
            else
            {
                _w.WriteString(key, value);
            }
        }

        _w.WriteEndObject();
    }

    private void ResourceVersion()
    {
        _rv += 1 + _ids.Next(4_000);
        _w.WriteString("resourceVersion"u8, F($"{_rv}"));
    }

    private void Empty(ReadOnlySpan<byte> name)
    {
        _w.WriteStartObject(name);
        _w.WriteEndObject();
    }

    /// <summary>An empty object under a managedFields key such as <c>k:{"name":"app"}</c> (quotes escaped as Go does).</summary>
    private void Empty(ReadOnlySpan<char> name)
    {
        StartObject(name);
        _w.WriteEndObject();
    }

    private void StartObject(ReadOnlySpan<char> name) => _w.WriteStartObject(JsonEncodedText.Encode(name, Relaxed));

    private string Digest(string image)
    {
        if (!_digests.TryGetValue(image, out string? digest))
        {
            int colon = image.LastIndexOf(':');
            digest = (colon > image.LastIndexOf('/') ? image[..colon] : image) + "@sha256:" + RandomIds.HexString(_noise, 64);
            _digests.Add(image, digest);
        }

        return digest;
    }

    private static string ZoneId(int zone) => "euw1-az" + (char)('1' + zone);

    // ---------------------------------------------------------------- nodes

    private void WriteNode(NodeSpec node)
    {
        SyntheticNodePool pool = _m.Pools[node.Pool];
        string zone = _m.ZoneNames[node.Zone];
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "Node"u8);
        _w.WriteStartObject("metadata"u8);
        if (_real)
        {
            _kv.Clear();
            _kv.Add(("alpha.kubernetes.io/provided-node-ip", node.Ip));
            _kv.Add(("csi.volume.kubernetes.io/nodeid", "{\"ebs.csi.aws.com\":\"" + node.InstanceId + "\"}"));
            _kv.Add(("node.alpha.kubernetes.io/ttl", "0"));
            _kv.Add(("volumes.kubernetes.io/controller-managed-attach-detach", "true"));
            if (!pool.ManagedNodeGroup)
            {
                _kv.Add(("compatibility.karpenter.k8s.aws/cluster-name-tagged", "true"));
                _kv.Add(("karpenter.k8s.aws/ec2nodeclass-hash", "15616957348189460630"));
                _kv.Add(("karpenter.k8s.aws/ec2nodeclass-hash-version", "v3"));
                _kv.Add(("karpenter.sh/nodepool-hash", "6821555240594823858"));
                _kv.Add(("karpenter.sh/nodepool-hash-version", "v3"));
            }

            Map("annotations"u8, _kv);
        }

        Time("creationTimestamp"u8, node.CreatedUnix);
        _kv.Clear();
        string arch = pool.Arch;
        _kv.Add(("kubernetes.io/arch", arch));
        _kv.Add(("kubernetes.io/hostname", node.Name));
        _kv.Add(("kubernetes.io/os", "linux"));
        _kv.Add(("node.kubernetes.io/instance-type", node.InstanceType));
        _kv.Add((SyntheticClusterGenerator.PoolLabel, pool.Name));
        _kv.Add(("topology.kubernetes.io/region", _o.Region));
        _kv.Add(("topology.kubernetes.io/zone", zone));
        if (pool.ManagedNodeGroup)
        {
            _kv.Add(("eks.amazonaws.com/capacityType", node.Spot ? "SPOT" : "ON_DEMAND"));
            _kv.Add(("eks.amazonaws.com/nodegroup", pool.Name + "-20240917"));
        }
        else
        {
            _kv.Add(("karpenter.sh/capacity-type", node.Spot ? "spot" : "on-demand"));
            _kv.Add(("karpenter.sh/nodepool", pool.Name));
        }

        if (_real)
        {
            _kv.Add(("beta.kubernetes.io/arch", arch));
            _kv.Add(("beta.kubernetes.io/instance-type", node.InstanceType));
            _kv.Add(("beta.kubernetes.io/os", "linux"));
            _kv.Add(("failure-domain.beta.kubernetes.io/region", _o.Region));
            _kv.Add(("failure-domain.beta.kubernetes.io/zone", zone));
            _kv.Add(("k8s.io/cloud-provider-aws", "a94f4ab6d2ef5cb4bc4b7c1ea4e0d6f2"));
            _kv.Add(("topology.ebs.csi.aws.com/zone", zone));
            _kv.Add(("topology.k8s.aws/zone-id", ZoneId(node.Zone)));
            if (pool.ManagedNodeGroup)
            {
                _kv.Add(("eks.amazonaws.com/nodegroup-image", "ami-0a6b8c2e5f1d3c4b7"));
                _kv.Add(("eks.amazonaws.com/sourceLaunchTemplateVersion", "3"));
            }
            else
            {
                int dot = node.InstanceType.IndexOf('.', StringComparison.Ordinal);
                string family = node.InstanceType[..dot];
                _kv.Add(("karpenter.k8s.aws/instance-category", family[..1]));
                _kv.Add(("karpenter.k8s.aws/instance-cpu", pool.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                _kv.Add(("karpenter.k8s.aws/instance-family", family));
                _kv.Add(("karpenter.k8s.aws/instance-generation", family.Length > 1 && char.IsDigit(family[1]) ? family[1].ToString() : "5"));
                _kv.Add(("karpenter.k8s.aws/instance-memory", (pool.MemoryGi * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                _kv.Add(("karpenter.k8s.aws/instance-size", node.InstanceType[(dot + 1)..]));
                _kv.Add(("karpenter.sh/initialized", "true"));
                _kv.Add(("karpenter.sh/registered", "true"));
            }
        }

        Map("labels"u8, _kv);
        _w.WriteString("name"u8, node.Name);
        ResourceVersion();
        _w.WriteString("uid"u8, node.Uid);
        _w.WriteEndObject();

        _w.WriteStartObject("spec"u8);
        _w.WriteString("providerID"u8, F($"aws:///{zone}/{node.InstanceId}"));
        (string Key, string Value)? taint = _m.PoolTaints[node.Pool];
        if (taint is not null || node.Cordoned)
        {
            _w.WriteStartArray("taints"u8);
            if (taint is { } t)
            {
                _w.WriteStartObject();
                _w.WriteString("effect"u8, "NoSchedule"u8);
                _w.WriteString("key"u8, t.Key);
                if (t.Value.Length > 0)
                {
                    _w.WriteString("value"u8, t.Value);
                }

                _w.WriteEndObject();
            }

            if (node.Cordoned)
            {
                _w.WriteStartObject();
                _w.WriteString("effect"u8, "NoSchedule"u8);
                _w.WriteString("key"u8, "node.kubernetes.io/unschedulable"u8);
                Time("timeAdded"u8, _now - 5_400);
                _w.WriteEndObject();
            }

            _w.WriteEndArray();
        }

        if (node.Cordoned)
        {
            _w.WriteBoolean("unschedulable"u8, true);
        }

        _w.WriteEndObject();

        _w.WriteStartObject("status"u8);
        string dns = node.Name;
        _w.WriteStartArray("addresses"u8);
        Address(node.Ip, "InternalIP"u8);
        if (_real)
        {
            Address(dns, "InternalDNS"u8);
        }

        Address(node.Name, "Hostname"u8);
        _w.WriteEndArray();
        NodeResources("allocatable"u8, node.Allocatable, pool);
        NodeResources("capacity"u8, node.Capacity, pool);
        _w.WriteStartArray("conditions"u8);
        long heartbeat = _now - 10 - _ids.Next(50);
        NodeCondition("MemoryPressure"u8, "False"u8, "KubeletHasSufficientMemory"u8, "kubelet has sufficient memory available"u8, heartbeat, node.CreatedUnix + 5);
        NodeCondition("DiskPressure"u8, "False"u8, "KubeletHasNoDiskPressure"u8, "kubelet has no disk pressure"u8, heartbeat, node.CreatedUnix + 5);
        NodeCondition("PIDPressure"u8, "False"u8, "KubeletHasSufficientPID"u8, "kubelet has sufficient PID available"u8, heartbeat, node.CreatedUnix + 5);
        NodeCondition("Ready"u8, "True"u8, "KubeletReady"u8, "kubelet is posting ready status"u8, heartbeat, node.CreatedUnix + 31);
        _w.WriteEndArray();
        if (_real)
        {
            _w.WriteStartObject("daemonEndpoints"u8);
            _w.WriteStartObject("kubeletEndpoint"u8);
            _w.WriteNumber("Port"u8, 10250);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteStartArray("images"u8);
            foreach ((string image, long size) in Catalog.NodeImages)
            {
                _w.WriteStartObject();
                _w.WriteStartArray("names"u8);
                _w.WriteStringValue(Digest(image));
                _w.WriteStringValue(image);
                _w.WriteEndArray();
                _w.WriteNumber("sizeBytes"u8, size);
                _w.WriteEndObject();
            }

            _w.WriteEndArray();
            _w.WriteStartObject("nodeInfo"u8);
            _w.WriteString("architecture"u8, arch);
            _w.WriteString("bootID"u8, RandomIds.Uid(_noise));
            _w.WriteString("containerRuntimeVersion"u8, "containerd://1.7.22"u8);
            _w.WriteString("kernelVersion"u8, arch == "arm64" ? "6.1.115-126.197.amzn2023.aarch64"u8 : "6.1.115-126.197.amzn2023.x86_64"u8);
            _w.WriteString("kubeProxyVersion"u8, ""u8);
            _w.WriteString("kubeletVersion"u8, "v1.31.2-eks-94953ac"u8);
            _w.WriteString("machineID"u8, RandomIds.HexString(_noise, 32));
            _w.WriteString("operatingSystem"u8, "linux"u8);
            _w.WriteString("osImage"u8, "Amazon Linux 2023.6.20241111"u8);
            _w.WriteString("systemUUID"u8, "ec2" + RandomIds.HexString(_noise, 5) + "-" + RandomIds.HexString(_noise, 4) + "-" + RandomIds.HexString(_noise, 4) + "-" + RandomIds.HexString(_noise, 4) + "-" + RandomIds.HexString(_noise, 12));
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void Address(string address, ReadOnlySpan<byte> type)
    {
        _w.WriteStartObject();
        _w.WriteString("address"u8, address);
        _w.WriteString("type"u8, type);
        _w.WriteEndObject();
    }

    private void NodeResources(ReadOnlySpan<byte> name, long[] r, SyntheticNodePool pool)
    {
        _w.WriteStartObject(name);
        Cpu("cpu"u8, r[Dim.Cpu]);
        Quantity("ephemeral-storage"u8, r[Dim.Ephemeral] % 1024 == 0 ? r[Dim.Ephemeral] / 1024 : r[Dim.Ephemeral], r[Dim.Ephemeral] % 1024 == 0 ? "Ki"u8 : default);
        _w.WriteString("hugepages-1Gi"u8, "0"u8);
        _w.WriteString("hugepages-2Mi"u8, "0"u8);
        Quantity("memory"u8, r[Dim.Memory] / 1024, "Ki"u8);
        if (pool.Gpus > 0)
        {
            Quantity("nvidia.com/gpu"u8, r[Dim.Gpu], default);
        }

        Quantity("pods"u8, r[Dim.Pods], default);
        _w.WriteEndObject();
    }

    private void NodeCondition(ReadOnlySpan<byte> type, ReadOnlySpan<byte> status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> message, long heartbeat, long transition)
    {
        _w.WriteStartObject();
        Time("lastHeartbeatTime"u8, heartbeat);
        Time("lastTransitionTime"u8, transition);
        _w.WriteString("message"u8, message);
        _w.WriteString("reason"u8, reason);
        _w.WriteString("status"u8, status);
        _w.WriteString("type"u8, type);
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- pods

    private static string PodIp(int slot)
    {
        // 100.64.0.0/10 (VPC CNI custom networking), scrambled by an odd multiplier: unique below 4M pods.
        uint v = (uint)((slot * 2_654_435_761L) & 0x3F_FFFF);
        return $"100.{64 + (v >> 16)}.{(v >> 8) & 0xFF}.{v & 0xFF}";
    }

    private void WritePod(int slot)
    {
        WorkloadSpec w = _m.Workloads[_m.Pods[slot].Workload];
        if (w.Kind != WorkloadKind.Job)
        {
            WritePod(slot, w);
            return;
        }

        // Job pods came later than the rest: they draw from generators of their own, so adding them leaves every other
        // pod's ids as they were.
        (Random ids, Random noise) = (_ids, _noise);
        (_ids, _noise) = (_jobIds, _jobNoise);
        try
        {
            WritePod(slot, w);
        }
        finally
        {
            (_ids, _noise) = (ids, noise);
        }
    }

    private void WritePod(int slot, WorkloadSpec w)
    {
        ref readonly PodSlot pod = ref _m.Pods[slot];
        NamespaceSpec ns = _m.Namespaces[w.Namespace];
        NodeSpec? node = pod.Node >= 0 ? _m.Nodes[pod.Node] : null;
        long created = _now - pod.AgeSeconds;
        string uid = RandomIds.Uid(_ids);
        string? podIp = node is null ? null : w.HostNetwork ? node.Ip : PodIp(slot);
        _apiVolume = _real ? "kube-api-access-" + RandomIds.Suffix(_noise, 5) : string.Empty;
        bool realTemplate = _real;

        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "Pod"u8);

        // metadata
        _w.WriteStartObject("metadata"u8);
        _kv.Clear();
        if (w.SafeToEvictFalse)
        {
            _kv.Add(("cluster-autoscaler.kubernetes.io/safe-to-evict", "false"));
        }

        if (w.DoNotDisrupt)
        {
            _kv.Add(("karpenter.sh/do-not-disrupt", "true"));
        }

        if (realTemplate)
        {
            if ((w.Flavor & 0x10) != 0 && !w.RunsToCompletion)
            {
                _kv.Add(("prometheus.io/scrape", "true"));
                _kv.Add(("prometheus.io/port", (w.Kind == WorkloadKind.DaemonSet ? 9100 : 8080).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            if ((w.Flavor & 0x60) == 0x60 && w.Kind == WorkloadKind.Deployment)
            {
                _kv.Add(("kubectl.kubernetes.io/restartedAt", FormatTimeString(_now - w.AgeSeconds)));
            }

            if (w.Mesh)
            {
                _kv.Add(("istio.io/rev", "default"));
                _kv.Add(("kubectl.kubernetes.io/default-container", "app"));
                _kv.Add(("kubectl.kubernetes.io/default-logs-container", "app"));
                _kv.Add(("sidecar.istio.io/status", "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"workload-socket\",\"credential-socket\",\"workload-certs\",\"istio-envoy\",\"istio-data\",\"istio-podinfo\",\"istio-token\",\"istiod-ca-cert\"],\"imagePullSecrets\":null,\"revision\":\"default\"}"));
            }
        }

        if (_kv.Count > 0)
        {
            Map("annotations"u8, _kv);
        }

        Time("creationTimestamp"u8, created);
        if (w.Kind is WorkloadKind.Deployment or WorkloadKind.DaemonSet or WorkloadKind.Job)
        {
            _w.WriteString("generateName"u8, F($"{w.OwnerName}-"));
        }

        PodLabels(w, ns, pod);
        Map("labels"u8, _kv);
        if (_managed)
        {
            ManagedFields(w, pod, created, podIp);
        }

        _w.WriteString("name"u8, pod.Name);
        _w.WriteString("namespace"u8, ns.Name);
        if (w.Kind != WorkloadKind.Bare)
        {
            _w.WriteStartArray("ownerReferences"u8);
            _w.WriteStartObject();
            _w.WriteString("apiVersion"u8, w.Kind == WorkloadKind.Job ? "batch/v1"u8 : "apps/v1"u8);
            _w.WriteBoolean("blockOwnerDeletion"u8, true);
            _w.WriteBoolean("controller"u8, true);
            _w.WriteString("kind"u8, w.OwnerKind);
            _w.WriteString("name"u8, w.OwnerName);
            _w.WriteString("uid"u8, w.OwnerUid);
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        ResourceVersion();
        _w.WriteString("uid"u8, uid);
        _w.WriteEndObject();

        WritePodSpec(w, pod, node);
        WritePodStatus(w, pod, node, created, podIp);
        _w.WriteEndObject();
    }

    private static string FormatTimeString(long unixSeconds)
    {
        Span<byte> s = stackalloc byte[20];
        FormatTime(unixSeconds, s);
        return System.Text.Encoding.ASCII.GetString(s);
    }

    private void PodLabels(WorkloadSpec w, NamespaceSpec ns, in PodSlot pod)
    {
        _kv.Clear();
        switch (w.Kind)
        {
            case WorkloadKind.Deployment:
                _kv.Add(("app.kubernetes.io/name", w.Name));
                _kv.Add(("app.kubernetes.io/part-of", ns.Name));
                _kv.Add(("pod-template-hash", w.TemplateHash));
                if (_real)
                {
                    _kv.Add(("app.kubernetes.io/version", w.Version));
                }

                if (w.Mesh)
                {
                    _kv.Add(("security.istio.io/tlsMode", "istio"));
                    _kv.Add(("service.istio.io/canonical-name", w.Name));
                    _kv.Add(("service.istio.io/canonical-revision", w.Version));
                }

                break;
            case WorkloadKind.StatefulSet:
                _kv.Add(("app.kubernetes.io/name", w.Name));
                _kv.Add(("app.kubernetes.io/part-of", ns.Name));
                _kv.Add(("apps.kubernetes.io/pod-index", pod.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                _kv.Add(("controller-revision-hash", w.Name + "-" + w.TemplateHash[..9]));
                _kv.Add(("statefulset.kubernetes.io/pod-name", pod.Name));
                break;
            case WorkloadKind.DaemonSet:
                _kv.Add(("app.kubernetes.io/name", w.Name));
                _kv.Add(("controller-revision-hash", w.TemplateHash[..9]));
                _kv.Add(("pod-template-generation", "1"));
                break;
            case WorkloadKind.Job:
                JobLabels(w);
                break;
            default:
                _kv.Add(("run", w.Name));
                break;
        }
    }

    private void WritePodSpec(WorkloadSpec w, in PodSlot pod, NodeSpec? node)
    {
        SyntheticNodePool? pool = w.Pool >= 0 ? _m.Pools[w.Pool] : null;
        _w.WriteStartObject("spec"u8);

        bool dsAffinity = w.Kind == WorkloadKind.DaemonSet && node is not null;
        bool poolAffinity = pool is not null && w.PoolViaAffinity;
        if (dsAffinity || poolAffinity || w.AntiAffinity != AntiAffinity.None)
        {
            _w.WriteStartObject("affinity"u8);
            if (dsAffinity || poolAffinity)
            {
                _w.WriteStartObject("nodeAffinity"u8);
                _w.WriteStartObject("requiredDuringSchedulingIgnoredDuringExecution"u8);
                _w.WriteStartArray("nodeSelectorTerms"u8);
                _w.WriteStartObject();
                _w.WriteStartArray(dsAffinity ? "matchFields"u8 : "matchExpressions"u8);
                _w.WriteStartObject();
                _w.WriteString("key"u8, dsAffinity ? "metadata.name" : SyntheticClusterGenerator.PoolLabel);
                _w.WriteString("operator"u8, "In"u8);
                _w.WriteStartArray("values"u8);
                _w.WriteStringValue(dsAffinity ? node!.Name : pool!.Name);
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndObject();
            }

            if (w.AntiAffinity == AntiAffinity.Required)
            {
                _w.WriteStartObject("podAntiAffinity"u8);
                _w.WriteStartArray("requiredDuringSchedulingIgnoredDuringExecution"u8);
                _w.WriteStartObject();
                AppSelector(w);
                _w.WriteString("topologyKey"u8, "kubernetes.io/hostname"u8);
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
            }
            else if (w.AntiAffinity == AntiAffinity.Preferred)
            {
                _w.WriteStartObject("podAntiAffinity"u8);
                _w.WriteStartArray("preferredDuringSchedulingIgnoredDuringExecution"u8);
                _w.WriteStartObject();
                _w.WriteStartObject("podAffinityTerm"u8);
                AppSelector(w);
                _w.WriteString("topologyKey"u8, "kubernetes.io/hostname"u8);
                _w.WriteEndObject();
                _w.WriteNumber("weight"u8, 100);
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
            }

            _w.WriteEndObject();
        }

        _w.WriteStartArray("containers"u8);
        foreach (ContainerSpec c in w.Containers)
        {
            if (c.Role == ContainerRole.Regular)
            {
                WriteContainer(w, c);
            }
        }

        _w.WriteEndArray();
        if (_real)
        {
            _w.WriteString("dnsPolicy"u8, w.HostNetwork ? "ClusterFirstWithHostNet"u8 : "ClusterFirst"u8);
            _w.WriteBoolean("enableServiceLinks"u8, true);
        }

        if (w.HostNetwork)
        {
            _w.WriteBoolean("hostNetwork"u8, true);
        }

        if (_real && w.Kind == WorkloadKind.StatefulSet && !_template)
        {
            _w.WriteString("hostname"u8, pod.Name);
        }

        if (w.Containers.Exists(c => c.Role != ContainerRole.Regular))
        {
            _w.WriteStartArray("initContainers"u8);
            foreach (ContainerSpec c in w.Containers)
            {
                if (c.Role != ContainerRole.Regular)
                {
                    WriteContainer(w, c);
                }
            }

            _w.WriteEndArray();
        }

        if (node is not null)
        {
            _w.WriteString("nodeName"u8, node.Name);
        }

        bool poolSelector = pool is not null && !w.PoolViaAffinity;
        if (poolSelector || (_real && w.Kind == WorkloadKind.DaemonSet))
        {
            _w.WriteStartObject("nodeSelector"u8);
            if (_real && w.Kind == WorkloadKind.DaemonSet)
            {
                _w.WriteString("kubernetes.io/os"u8, "linux"u8);
            }

            if (poolSelector)
            {
                _w.WriteString(SyntheticClusterGenerator.PoolLabel, pool!.Name);
            }

            _w.WriteEndObject();
        }

        // Admission sets the priority (and its policy) on pods; templates name only the class.
        if (_real && !_template)
        {
            _w.WriteString("preemptionPolicy"u8, "PreemptLowerPriority"u8);
        }

        if (!_template)
        {
            _w.WriteNumber("priority"u8, w.Priority);
        }

        if (w.PriorityClass is not null)
        {
            _w.WriteString("priorityClassName"u8, w.PriorityClass);
        }

        if (_real)
        {
            _w.WriteString("restartPolicy"u8, w.RunsToCompletion ? "Never"u8 : "Always"u8);
            _w.WriteString("schedulerName"u8, "default-scheduler"u8);
            _w.WriteStartObject("securityContext"u8);
            if ((w.Flavor & 0x100) != 0 && w.Kind != WorkloadKind.DaemonSet)
            {
                _w.WriteNumber("fsGroup"u8, 10001);
                _w.WriteBoolean("runAsNonRoot"u8, true);
                _w.WriteStartObject("seccompProfile"u8);
                _w.WriteString("type"u8, "RuntimeDefault"u8);
                _w.WriteEndObject();
            }

            _w.WriteEndObject();
            _w.WriteString("serviceAccount"u8, w.ServiceAccount);
            _w.WriteString("serviceAccountName"u8, w.ServiceAccount);
            if (w.Kind == WorkloadKind.StatefulSet)
            {
                _w.WriteString("subdomain"u8, F($"{w.Name}-headless"));
            }

            _w.WriteNumber("terminationGracePeriodSeconds"u8, w.Kind == WorkloadKind.StatefulSet ? 120 : 30);
        }

        Tolerations(w, pool);
        if (w.ZoneSpread)
        {
            _w.WriteStartArray("topologySpreadConstraints"u8);
            _w.WriteStartObject();
            AppSelector(w);
            if ((w.Flavor & 0x200) != 0)
            {
                _w.WriteStartArray("matchLabelKeys"u8);
                _w.WriteStringValue("pod-template-hash"u8);
                _w.WriteEndArray();
            }

            _w.WriteNumber("maxSkew"u8, 1);
            _w.WriteString("topologyKey"u8, "topology.kubernetes.io/zone"u8);
            _w.WriteString("whenUnsatisfiable"u8, (w.Flavor & 0x400) != 0 ? "ScheduleAnyway"u8 : "DoNotSchedule"u8);
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        Volumes(w, pod);
        _w.WriteEndObject();
    }

    private void AppSelector(WorkloadSpec w)
    {
        _w.WriteStartObject("labelSelector"u8);
        _w.WriteStartObject("matchLabels"u8);
        _w.WriteString("app.kubernetes.io/name"u8, w.Name);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void Tolerations(WorkloadSpec w, SyntheticNodePool? pool)
    {
        // A template has only the tolerations it asks for; the two below come from an admission plugin.
        if (_template && !w.TolerateAll && !w.TolerateCriticalAddons && (pool is null || _m.PoolTaints[w.Pool] is null))
        {
            return;
        }

        _w.WriteStartArray("tolerations"u8);
        if (w.TolerateAll)
        {
            _w.WriteStartObject();
            _w.WriteString("operator"u8, "Exists"u8);
            _w.WriteEndObject();
            Toleration("node.kubernetes.io/not-ready"u8, "NoExecute"u8, -1);
            Toleration("node.kubernetes.io/unreachable"u8, "NoExecute"u8, -1);
            Toleration("node.kubernetes.io/disk-pressure"u8, "NoSchedule"u8, -1);
            Toleration("node.kubernetes.io/memory-pressure"u8, "NoSchedule"u8, -1);
            Toleration("node.kubernetes.io/pid-pressure"u8, "NoSchedule"u8, -1);
            Toleration("node.kubernetes.io/unschedulable"u8, "NoSchedule"u8, -1);
            if (w.HostNetwork)
            {
                Toleration("node.kubernetes.io/network-unavailable"u8, "NoSchedule"u8, -1);
            }

            _w.WriteEndArray();
            return;
        }

        if (w.TolerateCriticalAddons)
        {
            _w.WriteStartObject();
            _w.WriteString("key"u8, "CriticalAddonsOnly"u8);
            _w.WriteString("operator"u8, "Exists"u8);
            _w.WriteEndObject();
        }

        if (pool is not null && _m.PoolTaints[w.Pool] is { } taint)
        {
            _w.WriteStartObject();
            _w.WriteString("effect"u8, "NoSchedule"u8);
            _w.WriteString("key"u8, taint.Key);
            _w.WriteString("operator"u8, "Equal"u8);
            _w.WriteString("value"u8, taint.Value);
            _w.WriteEndObject();
        }

        // Added to every pod by the DefaultTolerationSeconds admission plugin.
        if (!_template)
        {
            Toleration("node.kubernetes.io/not-ready"u8, "NoExecute"u8, 300);
            Toleration("node.kubernetes.io/unreachable"u8, "NoExecute"u8, 300);
        }
        _w.WriteEndArray();
    }

    private void Toleration(ReadOnlySpan<byte> key, ReadOnlySpan<byte> effect, int seconds)
    {
        _w.WriteStartObject();
        _w.WriteString("effect"u8, effect);
        _w.WriteString("key"u8, key);
        _w.WriteString("operator"u8, "Exists"u8);
        if (seconds >= 0)
        {
            _w.WriteNumber("tolerationSeconds"u8, seconds);
        }

        _w.WriteEndObject();
    }

    private void Volumes(WorkloadSpec w, in PodSlot pod)
    {
        // A StatefulSet's claim volume and the service account volume are added to pods, not written in templates.
        if (!(w.EmptyDir || w.HostPath || w.Mesh || (!_template && (w.Pvc || _real))))
        {
            return;
        }

        _w.WriteStartArray("volumes"u8);
        if (w.Mesh)
        {
            if (_real)
            {
                EmptyDirVolume("workload-socket", null);
                EmptyDirVolume("credential-socket", null);
                EmptyDirVolume("workload-certs", null);
            }

            EmptyDirVolume("istio-envoy", "Memory");
            EmptyDirVolume("istio-data", null);
            if (_real)
            {
                _w.WriteStartObject();
                _w.WriteStartObject("downwardAPI"u8);
                _w.WriteNumber("defaultMode"u8, 420);
                _w.WriteStartArray("items"u8);
                FieldRefItem("metadata.labels"u8, "labels"u8);
                FieldRefItem("metadata.annotations"u8, "annotations"u8);
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteString("name"u8, "istio-podinfo"u8);
                _w.WriteEndObject();
                _w.WriteStartObject();
                _w.WriteString("name"u8, "istio-token"u8);
                _w.WriteStartObject("projected"u8);
                _w.WriteNumber("defaultMode"u8, 420);
                _w.WriteStartArray("sources"u8);
                _w.WriteStartObject();
                _w.WriteStartObject("serviceAccountToken"u8);
                _w.WriteString("audience"u8, "istio-ca"u8);
                _w.WriteNumber("expirationSeconds"u8, 43200);
                _w.WriteString("path"u8, "istio-token"u8);
                _w.WriteEndObject();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndObject();
                _w.WriteStartObject();
                _w.WriteStartObject("configMap"u8);
                _w.WriteNumber("defaultMode"u8, 420);
                _w.WriteString("name"u8, "istio-ca-root-cert"u8);
                _w.WriteEndObject();
                _w.WriteString("name"u8, "istiod-ca-cert"u8);
                _w.WriteEndObject();
            }
        }

        if (w.EmptyDir)
        {
            EmptyDirVolume("tmp", null);
            if ((w.Flavor & 0x800) != 0)
            {
                EmptyDirVolume("cache", null, "1Gi");
            }
        }

        if (w.HostPath)
        {
            HostPathVolume("proc", "/proc");
            HostPathVolume("sys", "/sys");
            if (_real)
            {
                HostPathVolume("varlog", "/var/log");
            }
        }

        if (w.Pvc && !_template)
        {
            _w.WriteStartObject();
            _w.WriteString("name"u8, "data"u8);
            _w.WriteStartObject("persistentVolumeClaim"u8);
            _w.WriteString("claimName"u8, F($"data-{pod.Name}"));
            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        if (_real && !_template)
        {
            _w.WriteStartObject();
            _w.WriteString("name"u8, _apiVolume);
            _w.WriteStartObject("projected"u8);
            _w.WriteNumber("defaultMode"u8, 420);
            _w.WriteStartArray("sources"u8);
            _w.WriteStartObject();
            _w.WriteStartObject("serviceAccountToken"u8);
            _w.WriteNumber("expirationSeconds"u8, 3607);
            _w.WriteString("path"u8, "token"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteStartObject();
            _w.WriteStartObject("configMap"u8);
            _w.WriteStartArray("items"u8);
            _w.WriteStartObject();
            _w.WriteString("key"u8, "ca.crt"u8);
            _w.WriteString("path"u8, "ca.crt"u8);
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteString("name"u8, "kube-root-ca.crt"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteStartObject();
            _w.WriteStartObject("downwardAPI"u8);
            _w.WriteStartArray("items"u8);
            FieldRefItem("metadata.namespace"u8, "namespace"u8);
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void FieldRefItem(ReadOnlySpan<byte> fieldPath, ReadOnlySpan<byte> path)
    {
        _w.WriteStartObject();
        _w.WriteStartObject("fieldRef"u8);
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("fieldPath"u8, fieldPath);
        _w.WriteEndObject();
        _w.WriteString("path"u8, path);
        _w.WriteEndObject();
    }

    private void EmptyDirVolume(string name, string? medium, string? sizeLimit = null)
    {
        _w.WriteStartObject();
        _w.WriteStartObject("emptyDir"u8);
        if (medium is not null)
        {
            _w.WriteString("medium"u8, medium);
        }

        if (sizeLimit is not null)
        {
            _w.WriteString("sizeLimit"u8, sizeLimit);
        }

        _w.WriteEndObject();
        _w.WriteString("name"u8, name);
        _w.WriteEndObject();
    }

    private void HostPathVolume(string name, string path)
    {
        _w.WriteStartObject();
        _w.WriteStartObject("hostPath"u8);
        _w.WriteString("path"u8, path);
        _w.WriteString("type"u8, ""u8);
        _w.WriteEndObject();
        _w.WriteString("name"u8, name);
        _w.WriteEndObject();
    }

    private static bool IsApp(WorkloadSpec w, ContainerSpec c) =>
        c.Role == ContainerRole.Regular && c.Name != "istio-proxy" && ReferenceEquals(c, w.Containers.Find(x => x.Role == ContainerRole.Regular));

    private void WriteContainer(WorkloadSpec w, ContainerSpec c)
    {
        bool app = IsApp(w, c);
        bool istio = c.Name is "istio-proxy" or "istio-init";
        _w.WriteStartObject();
        if (_real && istio)
        {
            _w.WriteStartArray("args"u8);
            if (c.Role == ContainerRole.Init)
            {
                _w.WriteStringValue("istio-iptables"u8);
                _w.WriteStringValue("-p"u8);
                _w.WriteStringValue("15001"u8);
                _w.WriteStringValue("-z"u8);
                _w.WriteStringValue("15006"u8);
                _w.WriteStringValue("-u"u8);
                _w.WriteStringValue("1337"u8);
            }
            else
            {
                _w.WriteStringValue("proxy"u8);
                _w.WriteStringValue("sidecar"u8);
                _w.WriteStringValue("--domain"u8);
                _w.WriteStringValue(F($"$(POD_NAMESPACE).svc.cluster.local"));
                _w.WriteStringValue("--proxyLogLevel=warning"u8);
            }

            _w.WriteEndArray();
        }

        if (_real && app && EnvCount(w) > 0)
        {
            Env(w);
        }

        _w.WriteString("image"u8, c.Image);
        if (_real)
        {
            _w.WriteString("imagePullPolicy"u8, "IfNotPresent"u8);
            if (app && HasLiveness(w))
            {
                Probe("livenessProbe"u8, w, c, "/healthz"u8, 10);
            }
        }

        _w.WriteString("name"u8, c.Name);
        if (_real && c.Port > 0)
        {
            _w.WriteStartArray("ports"u8);
            _w.WriteStartObject();
            _w.WriteNumber("containerPort"u8, c.Port);
            if (w.HostNetwork)
            {
                _w.WriteNumber("hostPort"u8, c.Port);
            }

            _w.WriteString("name"u8, app ? "http"u8 : "metrics"u8);
            _w.WriteString("protocol"u8, "TCP"u8);
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        if (_real && app && HasReadiness(w))
        {
            Probe("readinessProbe"u8, w, c, "/ready"u8, 5);
        }

        _w.WriteStartObject("resources"u8);
        if (c.CpuLimitMilli > 0 || c.MemoryLimitBytes > 0 || c.Gpus > 0)
        {
            _w.WriteStartObject("limits"u8);
            if (c.CpuLimitMilli > 0)
            {
                Cpu("cpu"u8, c.CpuLimitMilli);
            }

            if (c.MemoryLimitBytes > 0)
            {
                Bytes("memory"u8, c.MemoryLimitBytes);
            }

            if (c.Gpus > 0)
            {
                Quantity("nvidia.com/gpu"u8, c.Gpus, default);
            }

            _w.WriteEndObject();
        }

        if (c.CpuMilli > 0 || c.MemoryBytes > 0 || c.Gpus > 0 || c.EphemeralBytes > 0)
        {
            _w.WriteStartObject("requests"u8);
            if (c.CpuMilli > 0)
            {
                Cpu("cpu"u8, c.CpuMilli);
            }

            if (c.EphemeralBytes > 0)
            {
                Bytes("ephemeral-storage"u8, c.EphemeralBytes);
            }

            if (c.MemoryBytes > 0)
            {
                Bytes("memory"u8, c.MemoryBytes);
            }

            if (c.Gpus > 0)
            {
                Quantity("nvidia.com/gpu"u8, c.Gpus, default);
            }

            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        if (c.Role == ContainerRole.Sidecar)
        {
            _w.WriteString("restartPolicy"u8, "Always"u8);
        }

        if (_real)
        {
            if (app && (w.Flavor & 0x180) == 0x180)
            {
                _w.WriteStartObject("securityContext"u8);
                _w.WriteBoolean("allowPrivilegeEscalation"u8, false);
                _w.WriteStartObject("capabilities"u8);
                _w.WriteStartArray("drop"u8);
                _w.WriteStringValue("ALL"u8);
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteBoolean("readOnlyRootFilesystem"u8, true);
                _w.WriteNumber("runAsUser"u8, 10001);
                _w.WriteEndObject();
            }
            else if (w.HostNetwork || istio)
            {
                _w.WriteStartObject("securityContext"u8);
                _w.WriteBoolean("privileged"u8, w.HostNetwork);
                _w.WriteEndObject();
            }

            _w.WriteString("terminationMessagePath"u8, "/dev/termination-log"u8);
            _w.WriteString("terminationMessagePolicy"u8, "File"u8);
            bool mounts = !_template || (app && (w.EmptyDir || w.HostPath || w.Pvc)) || (istio && c.Role == ContainerRole.Regular);
            if (!mounts)
            {
                _w.WriteEndObject();
                return;
            }

            _w.WriteStartArray("volumeMounts"u8);
            if (app)
            {
                AppMounts(w);
            }

            if (istio && c.Role == ContainerRole.Regular)
            {
                Mount("/var/run/secrets/istio"u8, "istiod-ca-cert"u8, false);
                Mount("/var/lib/istio/data"u8, "istio-data"u8, false);
                Mount("/etc/istio/proxy"u8, "istio-envoy"u8, false);
                Mount("/var/run/secrets/tokens"u8, "istio-token"u8, false);
                Mount("/etc/istio/pod"u8, "istio-podinfo"u8, false);
            }

            if (!_template)
            {
                _w.WriteStartObject();
                _w.WriteString("mountPath"u8, "/var/run/secrets/kubernetes.io/serviceaccount"u8);
                _w.WriteString("name"u8, _apiVolume);
                _w.WriteBoolean("readOnly"u8, true);
                _w.WriteEndObject();
            }

            _w.WriteEndArray();
        }

        _w.WriteEndObject();
    }

    private void AppMounts(WorkloadSpec w)
    {
        if (w.EmptyDir)
        {
            Mount("/tmp"u8, "tmp"u8, false);
            if ((w.Flavor & 0x800) != 0)
            {
                Mount("/var/cache/app"u8, "cache"u8, false);
            }
        }

        if (w.HostPath)
        {
            Mount("/host/proc"u8, "proc"u8, true);
            Mount("/host/sys"u8, "sys"u8, true);
            Mount("/var/log"u8, "varlog"u8, true);
        }

        if (w.Pvc)
        {
            Mount("/data"u8, "data"u8, false);
        }
    }

    private void Mount(ReadOnlySpan<byte> path, ReadOnlySpan<byte> name, bool readOnly)
    {
        _w.WriteStartObject();
        _w.WriteString("mountPath"u8, path);
        _w.WriteString("name"u8, name);
        if (readOnly)
        {
            _w.WriteBoolean("readOnly"u8, true);
        }

        _w.WriteEndObject();
    }

    private void Probe(ReadOnlySpan<byte> name, WorkloadSpec w, ContainerSpec c, ReadOnlySpan<byte> path, int period)
    {
        _w.WriteStartObject(name);
        _w.WriteNumber("failureThreshold"u8, 3);
        if (w.Kind == WorkloadKind.StatefulSet || c.Port == 0)
        {
            _w.WriteNumber("initialDelaySeconds"u8, 30);
            _w.WriteNumber("periodSeconds"u8, period);
            _w.WriteNumber("successThreshold"u8, 1);
            _w.WriteStartObject("tcpSocket"u8);
            _w.WriteNumber("port"u8, c.Port == 0 ? 8080 : c.Port);
            _w.WriteEndObject();
        }
        else
        {
            _w.WriteStartObject("httpGet"u8);
            _w.WriteString("path"u8, path);
            _w.WriteNumber("port"u8, c.Port);
            _w.WriteString("scheme"u8, "HTTP"u8);
            _w.WriteEndObject();
            _w.WriteNumber("initialDelaySeconds"u8, 10);
            _w.WriteNumber("periodSeconds"u8, period);
            _w.WriteNumber("successThreshold"u8, 1);
        }

        _w.WriteNumber("timeoutSeconds"u8, 1);
        _w.WriteEndObject();
    }

    private static readonly string[] EnvNames =
    [
        "LOG_LEVEL", "PORT", "POD_NAME", "POD_NAMESPACE", "NODE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
        "DB_PASSWORD", "GOMAXPROCS", "JAVA_TOOL_OPTIONS", "FEATURE_FLAGS_URL", "AWS_REGION", "HTTP_TIMEOUT", "CACHE_TTL",
    ];

    private static readonly int[] EnvNamesSorted = [.. Enumerable.Range(0, EnvNames.Length).OrderBy(i => EnvNames[i], StringComparer.Ordinal)];

    private static readonly int[] EnvCounts = [0, 1, 1, 2, 2, 3, 4, 5];

    private static int EnvCount(WorkloadSpec w) => w.RunsToCompletion ? 1 : EnvCounts[w.Flavor & 7];

    /// <summary>Most workloads have liveness and readiness probes, some only readiness, a few none.</summary>
    private static bool HasLiveness(WorkloadSpec w) => !w.RunsToCompletion && ((w.Flavor >> 13) & 3) != 0;

    private static bool HasReadiness(WorkloadSpec w) => !w.RunsToCompletion && ((w.Flavor >> 13) & 3) != 3;

    private void Env(WorkloadSpec w)
    {
        _w.WriteStartArray("env"u8);
        int count = EnvCount(w);
        for (int i = 0; i < count && i < EnvNames.Length; i++)
        {
            _w.WriteStartObject();
            _w.WriteString("name"u8, EnvNames[i]);
            switch (i)
            {
                case 0:
                    _w.WriteString("value"u8, (w.Flavor & 8) != 0 ? "debug"u8 : "info"u8);
                    break;
                case 1:
                    _w.WriteString("value"u8, "8080"u8);
                    break;
                case 2:
                    FieldRef("metadata.name"u8);
                    break;
                case 3:
                    FieldRef("metadata.namespace"u8);
                    break;
                case 4:
                    FieldRef("spec.nodeName"u8);
                    break;
                case 5:
                    _w.WriteString("value"u8, "http://otel-agent.monitoring.svc.cluster.local:4317"u8);
                    break;
                case 6:
                    _w.WriteString("value"u8, w.Name);
                    break;
                case 7:
                    _w.WriteStartObject("valueFrom"u8);
                    _w.WriteStartObject("secretKeyRef"u8);
                    _w.WriteString("key"u8, "password"u8);
                    _w.WriteString("name"u8, F($"{w.Name}-db"));
                    _w.WriteEndObject();
                    _w.WriteEndObject();
                    break;
                case 8:
                    _w.WriteStartObject("valueFrom"u8);
                    _w.WriteStartObject("resourceFieldRef"u8);
                    _w.WriteString("containerName"u8, "app"u8);
                    _w.WriteString("divisor"u8, "0"u8);
                    _w.WriteString("resource"u8, "limits.cpu"u8);
                    _w.WriteEndObject();
                    _w.WriteEndObject();
                    break;
                case 9:
                    _w.WriteString("value"u8, JavaOptions);
                    break;
                case 10:
                    _w.WriteString("value"u8, "http://flags.platform.svc.cluster.local"u8);
                    break;
                case 11:
                    _w.WriteString("value"u8, _o.Region);
                    break;
                case 12:
                    _w.WriteString("value"u8, "30s"u8);
                    break;
                default:
                    _w.WriteString("value"u8, "300"u8);
                    break;
            }

            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void FieldRef(ReadOnlySpan<byte> path)
    {
        _w.WriteStartObject("valueFrom"u8);
        _w.WriteStartObject("fieldRef"u8);
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("fieldPath"u8, path);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- pod status

    private void WritePodStatus(WorkloadSpec w, in PodSlot pod, NodeSpec? node, long created, string? podIp)
    {
        _w.WriteStartObject("status"u8);
        long scheduled = created + 1;
        if (node is null)
        {
            _w.WriteStartArray("conditions"u8);
            _w.WriteStartObject();
            _w.WriteNull("lastProbeTime"u8);
            Time("lastTransitionTime"u8, scheduled);
            _w.WriteString("message"u8, F($"0/{_m.Nodes.Count} nodes are available: {_m.Nodes.Count} Insufficient cpu. preemption: 0/{_m.Nodes.Count} nodes are available: {_m.Nodes.Count} No preemption victims found for incoming pod."));
            _w.WriteString("reason"u8, "Unschedulable"u8);
            _w.WriteString("status"u8, "False"u8);
            _w.WriteString("type"u8, "PodScheduled"u8);
            _w.WriteEndObject();
            _w.WriteEndArray();
            _w.WriteString("phase"u8, "Pending"u8);
            _w.WriteString("qosClass"u8, w.QosClass);
            _w.WriteEndObject();
            return;
        }

        long initialized = scheduled + (w.Containers.Exists(c => c.Role == ContainerRole.Init) ? 6 : 1);
        long started = initialized + 1 + (w.Flavor & 7);
        long ready = started + 4 + ((w.Flavor >> 3) & 15);
        long lastRestart = pod.Restarts > 0 ? _now - Math.Max(60, pod.AgeSeconds / (pod.Restarts + 1)) : started;
        bool terminal = pod.State is PodState.Succeeded or PodState.Failed;
        bool isReady = pod.State == PodState.Running;
        string? notReady = pod.State == PodState.CrashLoop ? w.Containers.Find(c => c.Role == ContainerRole.Regular)!.Name : null;

        _w.WriteStartArray("conditions"u8);
        if (_real)
        {
            PodCondition("PodReadyToStartContainers"u8, !terminal, started, null, null);
            PodCondition("Initialized"u8, true, initialized, null, null);
        }

        if (terminal)
        {
            PodCondition("Ready"u8, false, _now - (pod.AgeSeconds / 2), "PodCompleted", null);
            if (_real)
            {
                PodCondition("ContainersReady"u8, false, _now - (pod.AgeSeconds / 2), "PodCompleted", null);
            }
        }
        else if (isReady)
        {
            PodCondition("Ready"u8, true, Math.Max(ready, lastRestart + 5), null, null);
            if (_real)
            {
                PodCondition("ContainersReady"u8, true, Math.Max(ready, lastRestart + 5), null, null);
            }
        }
        else
        {
            string message = "containers with unready status: [" + notReady + "]";
            PodCondition("Ready"u8, false, lastRestart, "ContainersNotReady", message);
            if (_real)
            {
                PodCondition("ContainersReady"u8, false, lastRestart, "ContainersNotReady", message);
            }
        }

        PodCondition("PodScheduled"u8, true, scheduled, null, null);
        _w.WriteEndArray();

        _w.WriteStartArray("containerStatuses"u8);
        foreach (ContainerSpec c in w.Containers)
        {
            if (c.Role == ContainerRole.Regular)
            {
                // Restarts and crash loops belong to the main container; sidecars keep running.
                bool main = c.Name == notReady || (notReady is null && IsApp(w, c));
                ContainerStatus(w, c, pod, started, lastRestart, c.Name == notReady, main ? pod.Restarts : 0);
            }
        }

        _w.WriteEndArray();
        if (_real)
        {
            _w.WriteString("hostIP"u8, node.Ip);
            _w.WriteStartArray("hostIPs"u8);
            IpEntry(node.Ip);
            _w.WriteEndArray();
        }

        if (w.Containers.Exists(c => c.Role != ContainerRole.Regular))
        {
            _w.WriteStartArray("initContainerStatuses"u8);
            foreach (ContainerSpec c in w.Containers)
            {
                if (c.Role != ContainerRole.Regular)
                {
                    InitContainerStatus(c, scheduled, initialized);
                }
            }

            _w.WriteEndArray();
        }

        _w.WriteString("phase"u8, pod.State switch
        {
            PodState.Succeeded => "Succeeded"u8,
            PodState.Failed => "Failed"u8,
            _ => "Running"u8,
        });
        if (podIp is not null && (_real || !terminal))
        {
            _w.WriteString("podIP"u8, podIp);
            if (_real)
            {
                _w.WriteStartArray("podIPs"u8);
                IpEntry(podIp);
                _w.WriteEndArray();
            }
        }

        _w.WriteString("qosClass"u8, w.QosClass);
        Time("startTime"u8, scheduled);
        _w.WriteEndObject();
    }

    private void IpEntry(string ip)
    {
        _w.WriteStartObject();
        _w.WriteString("ip"u8, ip);
        _w.WriteEndObject();
    }

    private void PodCondition(ReadOnlySpan<byte> type, bool status, long transition, string? reason, string? message)
    {
        _w.WriteStartObject();
        _w.WriteNull("lastProbeTime"u8);
        Time("lastTransitionTime"u8, transition);
        if (message is not null)
        {
            _w.WriteString("message"u8, message);
        }

        if (reason is not null)
        {
            _w.WriteString("reason"u8, reason);
        }

        _w.WriteString("status"u8, status ? "True"u8 : "False"u8);
        _w.WriteString("type"u8, type);
        _w.WriteEndObject();
    }

    private void ContainerStatus(WorkloadSpec w, ContainerSpec c, in PodSlot pod, long started, long lastRestart, bool crashing, int restarts)
    {
        bool terminal = pod.State is PodState.Succeeded or PodState.Failed;
        _w.WriteStartObject();
        if (_real && !crashing)
        {
            _w.WriteString("containerID"u8, F($"containerd://{RandomIds.HexString(_noise, 64)}"));
        }

        if (_real)
        {
            _w.WriteString("image"u8, c.Image);
            _w.WriteString("imageID"u8, Digest(c.Image));
        }

        if (restarts > 0)
        {
            _w.WriteStartObject("lastState"u8);
            _w.WriteStartObject("terminated"u8);
            if (_real)
            {
                _w.WriteString("containerID"u8, F($"containerd://{RandomIds.HexString(_noise, 64)}"));
            }

            bool oom = (w.Flavor & 0x1000) != 0;
            _w.WriteNumber("exitCode"u8, oom ? 137 : 1);
            Time("finishedAt"u8, lastRestart);
            _w.WriteString("reason"u8, oom ? "OOMKilled"u8 : "Error"u8);
            Time("startedAt"u8, lastRestart - 600);
            _w.WriteEndObject();
            _w.WriteEndObject();
        }
        else if (_real)
        {
            Empty("lastState"u8);
        }

        _w.WriteString("name"u8, c.Name);
        _w.WriteBoolean("ready"u8, pod.State == PodState.Running);
        _w.WriteNumber("restartCount"u8, restarts);
        if (_real)
        {
            _w.WriteBoolean("started"u8, pod.State == PodState.Running);
        }

        _w.WriteStartObject("state"u8);
        if (crashing)
        {
            _w.WriteStartObject("waiting"u8);
            _w.WriteString("message"u8, F($"back-off 5m0s restarting failed container={c.Name} pod={pod.Name}_{_m.Namespaces[w.Namespace].Name}({RandomIds.Uid(_noise)})"));
            _w.WriteString("reason"u8, "CrashLoopBackOff"u8);
            _w.WriteEndObject();
        }
        else if (terminal)
        {
            _w.WriteStartObject("terminated"u8);
            if (_real)
            {
                _w.WriteString("containerID"u8, F($"containerd://{RandomIds.HexString(_noise, 64)}"));
            }

            bool failed = pod.State == PodState.Failed;
            _w.WriteNumber("exitCode"u8, failed ? 1 : 0);
            Time("finishedAt"u8, _now - (pod.AgeSeconds / 2));
            _w.WriteString("reason"u8, failed ? "Error"u8 : "Completed"u8);
            Time("startedAt"u8, started);
            _w.WriteEndObject();
        }
        else
        {
            _w.WriteStartObject("running"u8);
            Time("startedAt"u8, restarts > 0 ? lastRestart + 1 : started);
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void InitContainerStatus(ContainerSpec c, long scheduled, long initialized)
    {
        bool sidecar = c.Role == ContainerRole.Sidecar;
        _w.WriteStartObject();
        if (_real)
        {
            _w.WriteString("containerID"u8, F($"containerd://{RandomIds.HexString(_noise, 64)}"));
            _w.WriteString("image"u8, c.Image);
            _w.WriteString("imageID"u8, Digest(c.Image));
            Empty("lastState"u8);
        }

        _w.WriteString("name"u8, c.Name);
        _w.WriteBoolean("ready"u8, sidecar);
        _w.WriteNumber("restartCount"u8, 0);
        if (_real)
        {
            _w.WriteBoolean("started"u8, sidecar);
        }

        _w.WriteStartObject("state"u8);
        if (sidecar)
        {
            _w.WriteStartObject("running"u8);
            Time("startedAt"u8, scheduled + 2);
            _w.WriteEndObject();
        }
        else
        {
            _w.WriteStartObject("terminated"u8);
            if (_real)
            {
                _w.WriteString("containerID"u8, F($"containerd://{RandomIds.HexString(_noise, 64)}"));
            }

            _w.WriteNumber("exitCode"u8, 0);
            Time("finishedAt"u8, initialized - 1);
            _w.WriteString("reason"u8, "Completed"u8);
            Time("startedAt"u8, scheduled + 2);
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- managed fields (realism)

    private void ManagedFields(WorkloadSpec w, in PodSlot pod, long created, string? podIp)
    {
        _w.WriteStartArray("managedFields"u8);
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("fieldsType"u8, "FieldsV1"u8);
        _w.WriteStartObject("fieldsV1"u8);
        _w.WriteStartObject("f:metadata"u8);
        if (w.Kind is WorkloadKind.Deployment or WorkloadKind.DaemonSet)
        {
            Empty("f:generateName"u8);
        }

        // Labels are still in _kv (written just before).
        _w.WriteStartObject("f:labels"u8);
        Empty("."u8);
        foreach ((string key, _) in _kv)
        {
            Empty(F($"f:{key}"));
        }

        _w.WriteEndObject();
        if (w.Kind != WorkloadKind.Bare)
        {
            _w.WriteStartObject("f:ownerReferences"u8);
            Empty("."u8);
            Empty(F($"k:{{\"uid\":\"{w.OwnerUid}\"}}"));
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        _w.WriteStartObject("f:spec"u8);
        _w.WriteStartObject("f:containers"u8);
        foreach (ContainerSpec c in w.Containers.Where(c => c.Role == ContainerRole.Regular).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            ContainerFields(w, c);
        }

        _w.WriteEndObject();
        Empty("f:dnsPolicy"u8);
        Empty("f:enableServiceLinks"u8);
        if (w.Containers.Exists(c => c.Role != ContainerRole.Regular))
        {
            _w.WriteStartObject("f:initContainers"u8);
            foreach (ContainerSpec c in w.Containers.Where(c => c.Role != ContainerRole.Regular).OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                ContainerFields(w, c);
            }

            _w.WriteEndObject();
        }

        Empty("f:restartPolicy"u8);
        Empty("f:schedulerName"u8);
        Empty("f:securityContext"u8);
        Empty("f:serviceAccount"u8);
        Empty("f:serviceAccountName"u8);
        Empty("f:terminationGracePeriodSeconds"u8);
        if (w.EmptyDir || w.Pvc || w.HostPath)
        {
            _w.WriteStartObject("f:volumes"u8);
            Empty("."u8);
            VolumeFields(w.Pvc, "data", "f:persistentVolumeClaim"u8);
            VolumeFields(w.HostPath, "proc", "f:hostPath"u8);
            VolumeFields(w.EmptyDir, "tmp", "f:emptyDir"u8);
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("manager"u8, w.Kind switch
        {
            WorkloadKind.Deployment or WorkloadKind.StatefulSet or WorkloadKind.DaemonSet => "kube-controller-manager"u8,
            _ => "kubectl-run"u8,
        });
        _w.WriteString("operation"u8, "Update"u8);
        Time("time"u8, created);
        _w.WriteEndObject();

        if (podIp is not null)
        {
            _w.WriteStartObject();
            _w.WriteString("apiVersion"u8, "v1"u8);
            _w.WriteString("fieldsType"u8, "FieldsV1"u8);
            _w.WriteStartObject("fieldsV1"u8);
            _w.WriteStartObject("f:status"u8);
            _w.WriteStartObject("f:conditions"u8);
            ConditionFields("ContainersReady");
            ConditionFields("Initialized");
            ConditionFields("PodReadyToStartContainers");
            ConditionFields("Ready");
            _w.WriteEndObject();
            Empty("f:containerStatuses"u8);
            Empty("f:hostIP"u8);
            _w.WriteStartObject("f:hostIPs"u8);
            _w.WriteEndObject();
            Empty("f:phase"u8);
            Empty("f:podIP"u8);
            _w.WriteStartObject("f:podIPs"u8);
            Empty("."u8);
            StartObject(F($"k:{{\"ip\":\"{podIp}\"}}"));
            Empty("."u8);
            Empty("f:ip"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            Empty("f:startTime"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteString("manager"u8, "kubelet"u8);
            _w.WriteString("operation"u8, "Update"u8);
            _w.WriteString("subresource"u8, "status"u8);
            Time("time"u8, _now - (pod.AgeSeconds / 3));
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void VolumeFields(bool present, string name, ReadOnlySpan<byte> field)
    {
        if (!present)
        {
            return;
        }

        StartObject(F($"k:{{\"name\":\"{name}\"}}"));
        Empty("."u8);
        bool fieldFirst = field.SequenceCompareTo("f:name"u8) < 0;
        if (fieldFirst)
        {
            Empty(field);
        }

        Empty("f:name"u8);
        if (!fieldFirst)
        {
            Empty(field);
        }

        _w.WriteEndObject();
    }

    private void ConditionFields(string type)
    {
        StartObject(F($"k:{{\"type\":\"{type}\"}}"));
        Empty("."u8);
        Empty("f:lastProbeTime"u8);
        Empty("f:lastTransitionTime"u8);
        Empty("f:status"u8);
        Empty("f:type"u8);
        _w.WriteEndObject();
    }

    private void ContainerFields(WorkloadSpec w, ContainerSpec c)
    {
        bool app = IsApp(w, c);
        StartObject(F($"k:{{\"name\":\"{c.Name}\"}}"));
        Empty("."u8);
        if (app && EnvCount(w) > 0)
        {
            _w.WriteStartObject("f:env"u8);
            Empty("."u8);
            // fieldsV1 is a map: Go prints its keys sorted.
            int count = EnvCount(w);
            foreach (int i in EnvNamesSorted)
            {
                if (i >= count)
                {
                    continue;
                }

                StartObject(F($"k:{{\"name\":\"{EnvNames[i]}\"}}"));
                Empty("."u8);
                Empty("f:name"u8);
                if (i is 2 or 3 or 4 or 7 or 8)
                {
                    _w.WriteStartObject("f:valueFrom"u8);
                    Empty("."u8);
                    Empty(i == 7 ? "f:secretKeyRef"u8 : i == 8 ? "f:resourceFieldRef"u8 : "f:fieldRef"u8);
                    _w.WriteEndObject();
                }
                else
                {
                    Empty("f:value"u8);
                }

                _w.WriteEndObject();
            }

            _w.WriteEndObject();
        }

        Empty("f:image"u8);
        Empty("f:imagePullPolicy"u8);
        bool tcpProbe = w.Kind == WorkloadKind.StatefulSet || c.Port == 0;
        if (app && HasLiveness(w))
        {
            ProbeFields("f:livenessProbe"u8, tcpProbe);
        }

        Empty("f:name"u8);
        if (c.Port > 0)
        {
            _w.WriteStartObject("f:ports"u8);
            Empty("."u8);
            StartObject(F($"k:{{\"containerPort\":{c.Port},\"protocol\":\"TCP\"}}"));
            Empty("."u8);
            Empty("f:containerPort"u8);
            Empty("f:name"u8);
            Empty("f:protocol"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
        }

        if (app && HasReadiness(w))
        {
            ProbeFields("f:readinessProbe"u8, tcpProbe);
        }

        _w.WriteStartObject("f:resources"u8);
        Empty("."u8);
        if (c.CpuLimitMilli > 0 || c.MemoryLimitBytes > 0)
        {
            _w.WriteStartObject("f:limits"u8);
            Empty("."u8);
            if (c.CpuLimitMilli > 0)
            {
                Empty("f:cpu"u8);
            }

            if (c.MemoryLimitBytes > 0)
            {
                Empty("f:memory"u8);
            }

            _w.WriteEndObject();
        }

        if (c.CpuMilli > 0 || c.MemoryBytes > 0)
        {
            _w.WriteStartObject("f:requests"u8);
            Empty("."u8);
            if (c.CpuMilli > 0)
            {
                Empty("f:cpu"u8);
            }

            if (c.MemoryBytes > 0)
            {
                Empty("f:memory"u8);
            }

            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        if (c.Role == ContainerRole.Sidecar)
        {
            Empty("f:restartPolicy"u8);
        }

        Empty("f:terminationMessagePath"u8);
        Empty("f:terminationMessagePolicy"u8);
        if (app && (w.EmptyDir || w.Pvc))
        {
            _w.WriteStartObject("f:volumeMounts"u8);
            Empty("."u8);
            if (w.Pvc)
            {
                MountFields("/data");
            }

            if (w.EmptyDir)
            {
                MountFields("/tmp");
            }

            _w.WriteEndObject();
        }

        _w.WriteEndObject();
    }

    private void MountFields(string path)
    {
        StartObject(F($"k:{{\"mountPath\":\"{path}\"}}"));
        Empty("."u8);
        Empty("f:mountPath"u8);
        Empty("f:name"u8);
        _w.WriteEndObject();
    }

    private void ProbeFields(ReadOnlySpan<byte> name, bool tcp)
    {
        _w.WriteStartObject(name);
        Empty("."u8);
        Empty("f:failureThreshold"u8);
        if (!tcp)
        {
            _w.WriteStartObject("f:httpGet"u8);
            Empty("."u8);
            Empty("f:path"u8);
            Empty("f:port"u8);
            Empty("f:scheme"u8);
            _w.WriteEndObject();
        }

        Empty("f:initialDelaySeconds"u8);
        Empty("f:periodSeconds"u8);
        Empty("f:successThreshold"u8);
        if (tcp)
        {
            _w.WriteStartObject("f:tcpSocket"u8);
            Empty("."u8);
            Empty("f:port"u8);
            _w.WriteEndObject();
        }

        Empty("f:timeoutSeconds"u8);
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- PDBs, namespaces, priority classes

    private void WritePdb(WorkloadSpec w)
    {
        PdbSpec pdb = w.Pdb!;
        NamespaceSpec ns = _m.Namespaces[w.Namespace];
        long created = _now - w.AgeSeconds - 3_600;
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "policy/v1"u8);
        _w.WriteString("kind"u8, "PodDisruptionBudget"u8);
        _w.WriteStartObject("metadata"u8);
        if (_real)
        {
            _w.WriteStartObject("annotations"u8);
            _w.WriteString("meta.helm.sh/release-name"u8, w.Name);
            _w.WriteString("meta.helm.sh/release-namespace"u8, ns.Name);
            _w.WriteEndObject();
        }

        Time("creationTimestamp"u8, created);
        _w.WriteNumber("generation"u8, pdb.Generation);
        if (_real)
        {
            _w.WriteStartObject("labels"u8);
            _w.WriteString("app.kubernetes.io/managed-by"u8, "Helm"u8);
            _w.WriteString("app.kubernetes.io/name"u8, w.Name);
            _w.WriteEndObject();
        }

        _w.WriteString("name"u8, pdb.Name);
        _w.WriteString("namespace"u8, ns.Name);
        ResourceVersion();
        _w.WriteString("uid"u8, pdb.Uid);
        _w.WriteEndObject();

        _w.WriteStartObject("spec"u8);
        if (!pdb.MinAvailable)
        {
            IntOrPercent("maxUnavailable"u8, pdb);
        }
        else
        {
            IntOrPercent("minAvailable"u8, pdb);
        }

        _w.WriteStartObject("selector"u8);
        if (pdb.Expressions)
        {
            _w.WriteStartArray("matchExpressions"u8);
            _w.WriteStartObject();
            _w.WriteString("key"u8, "app.kubernetes.io/name"u8);
            _w.WriteString("operator"u8, "In"u8);
            _w.WriteStartArray("values"u8);
            _w.WriteStringValue(w.Name);
            _w.WriteEndArray();
            _w.WriteEndObject();
            _w.WriteEndArray();
        }
        else
        {
            _w.WriteStartObject("matchLabels"u8);
            _w.WriteString("app.kubernetes.io/name"u8, w.Name);
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        if (pdb.AlwaysAllow)
        {
            _w.WriteString("unhealthyPodEvictionPolicy"u8, "AlwaysAllow"u8);
        }

        _w.WriteEndObject();

        _w.WriteStartObject("status"u8);
        _w.WriteStartArray("conditions"u8);
        _w.WriteStartObject();
        Time("lastTransitionTime"u8, created + 40);
        _w.WriteString("message"u8, ""u8);
        _w.WriteNumber("observedGeneration"u8, pdb.Generation);
        _w.WriteString("reason"u8, pdb.DisruptionsAllowed > 0 ? "SufficientPods"u8 : "InsufficientPods"u8);
        _w.WriteString("status"u8, pdb.DisruptionsAllowed > 0 ? "True"u8 : "False"u8);
        _w.WriteString("type"u8, "DisruptionAllowed"u8);
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteNumber("currentHealthy"u8, pdb.CurrentHealthy);
        _w.WriteNumber("desiredHealthy"u8, pdb.DesiredHealthy);
        _w.WriteNumber("disruptionsAllowed"u8, pdb.DisruptionsAllowed);
        _w.WriteNumber("expectedPods"u8, pdb.ExpectedPods);
        _w.WriteNumber("observedGeneration"u8, pdb.Generation);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void IntOrPercent(ReadOnlySpan<byte> name, PdbSpec pdb)
    {
        if (pdb.Percent)
        {
            _w.WriteString(name, F($"{pdb.Value}%"));
        }
        else
        {
            _w.WriteNumber(name, pdb.Value);
        }
    }

    private void WriteNamespace(NamespaceSpec ns)
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "Namespace"u8);
        _w.WriteStartObject("metadata"u8);
        Time("creationTimestamp"u8, _now - ns.AgeSeconds);
        _kv.Clear();
        _kv.AddRange(ns.Labels);
        Map("labels"u8, _kv);
        _w.WriteString("name"u8, ns.Name);
        ResourceVersion();
        _w.WriteString("uid"u8, ns.Uid);
        _w.WriteEndObject();
        _w.WriteStartObject("spec"u8);
        _w.WriteStartArray("finalizers"u8);
        _w.WriteStringValue("kubernetes"u8);
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        _w.WriteString("phase"u8, "Active"u8);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WritePriorityClass(PriorityClassSpec pc)
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "scheduling.k8s.io/v1"u8);
        _w.WriteString("description"u8, pc.Description);
        if (pc.GlobalDefault)
        {
            _w.WriteBoolean("globalDefault"u8, true);
        }

        _w.WriteString("kind"u8, "PriorityClass"u8);
        _w.WriteStartObject("metadata"u8);
        Time("creationTimestamp"u8, _now - (400 * 86_400));
        _w.WriteNumber("generation"u8, 1);
        _w.WriteString("name"u8, pc.Name);
        ResourceVersion();
        _w.WriteString("uid"u8, RandomIds.Uid(_ids));
        _w.WriteEndObject();
        _w.WriteString("preemptionPolicy"u8, pc.Value < 0 ? "Never"u8 : "PreemptLowerPriority"u8);
        _w.WriteNumber("value"u8, pc.Value);
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- metrics.k8s.io

    private void WriteMetrics()
    {
        int pods = _m.PodCount;
        long[] cpuNano = new long[pods];
        long[] memBytes = new long[pods];
        var nodeCpu = new long[_m.Nodes.Count];
        var nodeMem = new long[_m.Nodes.Count];
        foreach (int p in _m.PodOrder)
        {
            ref readonly PodSlot pod = ref _m.Pods[p];
            if (pod.Node < 0 || pod.State is PodState.Succeeded or PodState.Failed)
            {
                continue;
            }

            WorkloadSpec w = _m.Workloads[pod.Workload];
            NodeSpec node = _m.Nodes[pod.Node];
            (double lo, double hi) = node.Heat switch
            {
                NodeHeat.Hot => (0.65, 0.95),
                NodeHeat.Cold => (0.05, 0.25),
                _ => (0.1, 0.75),
            };
            double cpuShare = lo + (_metrics.NextDouble() * (hi - lo));
            double memShare = lo + (_metrics.NextDouble() * (hi - lo));
            if (pod.State == PodState.CrashLoop)
            {
                cpuShare *= 0.1;
                memShare *= 0.2;
            }

            long cpuReq = w.Requests[Dim.Cpu];
            long memReq = w.Requests[Dim.Memory];
            cpuNano[p] = cpuReq > 0 ? (long)(cpuReq * cpuShare * 1_000_000) : 1_000_000 + _metrics.Next(20_000_000);
            memBytes[p] = memReq > 0 ? (long)(memReq * memShare) / 4096 * 4096 : (20 + _metrics.Next(100)) * Catalog.Mi;
            nodeCpu[pod.Node] += cpuNano[p];
            nodeMem[pod.Node] += memBytes[p];
        }

        // NodeMetricsList, compact as `kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes` prints it.
        _w.Dispose();
        _w = new Utf8JsonWriter(_out, new JsonWriterOptions { SkipValidation = true });
        long timestamp = _now - 7;
        _w.WriteStartObject();
        _w.WriteString("kind"u8, "NodeMetricsList"u8);
        _w.WriteString("apiVersion"u8, "metrics.k8s.io/v1beta1"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteEndObject();
        _w.WriteStartArray("items"u8);
        for (int n = 0; n < _m.Nodes.Count; n++)
        {
            NodeSpec node = _m.Nodes[n];
            SyntheticNodePool pool = _m.Pools[node.Pool];
            // kubelet, containerd and the OS on top of the pods.
            long cpu = nodeCpu[n] + ((80 + _metrics.Next(220)) * 1_000_000L) + _metrics.Next(1_000_000);
            long mem = nodeMem[n] + ((600 + _metrics.Next(700)) * Catalog.Mi);
            cpu = Math.Min(cpu, node.Capacity[Dim.Cpu] * 1_000_000);
            mem = Math.Min(mem, node.Capacity[Dim.Memory]);
            _w.WriteStartObject();
            _w.WriteStartObject("metadata"u8);
            _w.WriteString("name"u8, node.Name);
            Time("creationTimestamp"u8, _now);
            _w.WriteStartObject("labels"u8);
            _w.WriteString("kubernetes.io/arch"u8, pool.Arch);
            _w.WriteString("kubernetes.io/hostname"u8, node.Name);
            _w.WriteString("kubernetes.io/os"u8, "linux"u8);
            _w.WriteString("node.kubernetes.io/instance-type"u8, node.InstanceType);
            _w.WriteString("topology.kubernetes.io/zone"u8, _m.ZoneNames[node.Zone]);
            _w.WriteEndObject();
            _w.WriteEndObject();
            Time("timestamp"u8, timestamp - _metrics.Next(15));
            _w.WriteString("window"u8, F($"{10 + _metrics.Next(11)}.{_metrics.Next(1000):000}s"));
            _w.WriteStartObject("usage"u8);
            Quantity("cpu"u8, cpu, "n"u8);
            Quantity("memory"u8, mem / 1024, "Ki"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            MaybeFlush();
        }

        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.Flush();
        _out.WriteByte((byte)'\n');

        // PodMetricsList
        _w.Reset();
        _w.WriteStartObject();
        _w.WriteString("kind"u8, "PodMetricsList"u8);
        _w.WriteString("apiVersion"u8, "metrics.k8s.io/v1beta1"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteEndObject();
        _w.WriteStartArray("items"u8);
        foreach (int p in _m.PodOrder)
        {
            ref readonly PodSlot pod = ref _m.Pods[p];
            if (pod.Node < 0 || pod.State is PodState.Succeeded or PodState.Failed)
            {
                continue;
            }

            WorkloadSpec w = _m.Workloads[pod.Workload];
            _w.WriteStartObject();
            _w.WriteStartObject("metadata"u8);
            _w.WriteString("name"u8, pod.Name);
            _w.WriteString("namespace"u8, _m.Namespaces[w.Namespace].Name);
            Time("creationTimestamp"u8, _now);
            PodLabels(w, _m.Namespaces[w.Namespace], pod);
            Map("labels"u8, _kv);
            _w.WriteEndObject();
            Time("timestamp"u8, timestamp - _metrics.Next(15));
            _w.WriteString("window"u8, F($"{10 + _metrics.Next(11)}.{_metrics.Next(1000):000}s"));
            _w.WriteStartArray("containers"u8);

            // Split the pod's usage over its running containers by their share of the requests.
            int running = 0;
            long weightSum = 0;
            foreach (ContainerSpec c in w.Containers)
            {
                if (c.Role != ContainerRole.Init)
                {
                    running++;
                    weightSum += Math.Max(1, c.CpuMilli);
                }
            }

            long cpuLeft = cpuNano[p];
            long memLeft = memBytes[p];
            int seen = 0;
            foreach (ContainerSpec c in w.Containers)
            {
                if (c.Role == ContainerRole.Init)
                {
                    continue;
                }

                seen++;
                long cpu = seen == running ? cpuLeft : cpuNano[p] * Math.Max(1, c.CpuMilli) / weightSum;
                long mem = seen == running ? memLeft : memBytes[p] * Math.Max(1, c.CpuMilli) / weightSum / 1024 * 1024;
                cpuLeft -= cpu;
                memLeft -= mem;
                _w.WriteStartObject();
                _w.WriteString("name"u8, c.Name);
                _w.WriteStartObject("usage"u8);
                Quantity("cpu"u8, Math.Max(0, cpu), "n"u8);
                Quantity("memory"u8, Math.Max(0, mem) / 1024, "Ki"u8);
                _w.WriteEndObject();
                _w.WriteEndObject();
            }

            _w.WriteEndArray();
            _w.WriteEndObject();
            MaybeFlush();
        }

        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.Flush();
        _out.WriteByte((byte)'\n');
    }
}
