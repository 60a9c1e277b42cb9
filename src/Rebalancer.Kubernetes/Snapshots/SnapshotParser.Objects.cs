using System.Globalization;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>The object kinds: each parser starts at the object's StartObject and hands one record to the builder at its end.</summary>
internal sealed partial class SnapshotParser
{
    private const string DefaultNamespace = "default";

    // One instance of each, reused for every object: the builder copies what it keeps.
    private readonly PodRecord _pod = new();
    private readonly NodeRecord _node = new();
    private readonly ObjectMeta _meta = new();
    private readonly List<(int Key, int Value)> _labels = [];
    private readonly List<(int Key, int Value)> _namespaceAnnotations = [];
    private readonly List<int> _ephemeralVolumes = [];
    private byte[] _volumeName = new byte[64];
    private readonly Utf8Dictionary<int> _resourceIds = new();

    // Interned ids of the strings the parsers compare against.
    private int _idDefaultNamespace;
    private int _idReady;
    private int _idTrue;
    private int _idTrueLower;
    private int _idFalseLower;
    private int _idApi;
    private int _keyMirror;
    private int _keyConfigSource;
    private int _keyEvict;
    private int _keyPreferNoEviction;
    private int _keySafeToEvict;
    private int _keyDoNotDisrupt;

    private void InitializeWellKnownIds()
    {
        _idDefaultNamespace = _strings.Intern(DefaultNamespace);
        _idReady = _strings.Intern("Ready");
        _idTrue = _strings.Intern("True");
        _idTrueLower = _strings.Intern("true");
        _idFalseLower = _strings.Intern("false");
        _idApi = _strings.Intern("api");
        _keyMirror = _strings.Intern("kubernetes.io/config.mirror");
        _keyConfigSource = _strings.Intern("kubernetes.io/config.source");
        _keyEvict = _strings.Intern("descheduler.alpha.kubernetes.io/evict");
        _keyPreferNoEviction = _strings.Intern("descheduler.alpha.kubernetes.io/prefer-no-eviction");
        _keySafeToEvict = _strings.Intern("cluster-autoscaler.kubernetes.io/safe-to-evict");
        _keyDoNotDisrupt = _strings.Intern("karpenter.sh/do-not-disrupt");
    }

    // ---- metadata ---------------------------------------------------------------------------------------------------

    /// <summary>The metadata fields the kinds share; cleared at the start of every object.</summary>
    private sealed class ObjectMeta
    {
        public string? Name { get; set; }

        public int Namespace { get; set; }

        public string? Uid { get; set; }

        public long Creation { get; set; } = UnixTime.None;

        public long Deletion { get; set; } = UnixTime.None;

        public long Generation { get; set; }

        public void Clear()
        {
            Name = null;
            Namespace = 0;
            Uid = null;
            Creation = UnixTime.None;
            Deletion = UnixTime.None;
            Generation = 0;
        }
    }

    /// <summary>
    /// Reads <c>metadata</c>. Lists that are null are skipped rather than collected; <c>managedFields</c> and the
    /// last-applied-configuration annotation (often most of a kubectl dump) are skipped without decoding.
    /// </summary>
    private void ParseMetadata(ref TapeReader r, List<(int Key, int Value)>? labels, List<(int Key, int Value)>? annotations,
        List<OwnerRef>? owners, bool wantUid)
    {
        _path.Push("metadata");
        Next(ref r);
        if (BeginObject(ref r))
        {
            ObjectMeta meta = _meta;
            while (NextProperty(ref r, out ReadOnlySpan<byte> name))
            {
                if (name.SequenceEqual("name"u8))
                {
                    meta.Name = ReadString(ref r, "name");
                }
                else if (name.SequenceEqual("namespace"u8))
                {
                    meta.Namespace = ReadStringId(ref r, "namespace");
                }
                else if (name.SequenceEqual("labels"u8) && labels is not null)
                {
                    Enter(ref r, "labels");
                    ParseStringMap(ref r, labels, annotations: false);
                    _path.Pop();
                }
                else if (name.SequenceEqual("annotations"u8) && annotations is not null)
                {
                    Enter(ref r, "annotations");
                    ParseStringMap(ref r, annotations, annotations: true);
                    _path.Pop();
                }
                else if (name.SequenceEqual("ownerReferences"u8) && owners is not null)
                {
                    Enter(ref r, "ownerReferences");
                    ParseOwnerReferences(ref r, owners);
                    _path.Pop();
                }
                else if (name.SequenceEqual("uid"u8) && wantUid)
                {
                    meta.Uid = ReadString(ref r, "uid");
                }
                else if (name.SequenceEqual("creationTimestamp"u8))
                {
                    meta.Creation = ReadTime(ref r, "creationTimestamp");
                }
                else if (name.SequenceEqual("deletionTimestamp"u8))
                {
                    meta.Deletion = ReadTime(ref r, "deletionTimestamp");
                }
                else if (name.SequenceEqual("generation"u8))
                {
                    meta.Generation = TryReadInt64(ref r, "generation", out long generation) ? generation : 0;
                }
                else
                {
                    Skip(ref r);
                }
            }
        }

        _path.Pop();
    }

    /// <summary>
    /// Labels or annotations, within Kubernetes' own limits (apimachinery's ValidateLabels and ValidateAnnotations): a
    /// label key is at most 253 bytes of prefix, a slash and 63 of name, a label value at most 63 bytes; the annotations
    /// of one object (keys and values) at most 256 KiB together.
    /// </summary>
    private void ParseStringMap(ref TapeReader r, List<(int Key, int Value)> target, bool annotations)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        int total = 0;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (annotations && name.SequenceEqual("kubectl.kubernetes.io/last-applied-configuration"u8))
            {
                Skip(ref r);
                continue;
            }

            int key = _strings.Intern(name);
            int keyLength = name.Length;
            if (!annotations && keyLength > MaxLabelKeyBytes)
            {
                _path.Push(_strings[key]);
                throw Error($"a label key of {keyLength} bytes; label keys are at most 253 bytes of prefix, '/' and 63 of name");
            }

            ReadOnlySpan<byte> text = ReadUtf8(ref r, _strings[key]);
            if (!annotations && text.Length > MaxLabelValueBytes)
            {
                _path.Push(_strings[key]);
                throw Error($"a label value of {text.Length} bytes; label values are at most {MaxLabelValueBytes} bytes", Encoding.UTF8.GetString(text));
            }

            total += keyLength + text.Length;
            if (annotations && total > MaxAnnotationBytes)
            {
                throw Error($"annotations of more than {MaxAnnotationBytes} bytes (keys and values together); Kubernetes allows at most 256 KiB");
            }

            int value = _strings.Intern(text);
            target.Add((key, value));
        }
    }

    private const int MaxLabelKeyBytes = 253 + 1 + 63;
    private const int MaxLabelValueBytes = 63;
    private const int MaxAnnotationBytes = 256 * 1024;

    private void ParseOwnerReferences(ref TapeReader r, List<OwnerRef> owners)
    {
        if (!BeginArray(ref r))
        {
            return;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int kind = 0;
                int name = 0;
                int uid = 0;
                bool controller = false;
                while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                {
                    if (property.SequenceEqual("kind"u8))
                    {
                        kind = ReadStringId(ref r, "kind");
                    }
                    else if (property.SequenceEqual("name"u8))
                    {
                        name = ReadStringId(ref r, "name");
                    }
                    else if (property.SequenceEqual("uid"u8))
                    {
                        uid = ReadStringId(ref r, "uid");
                    }
                    else if (property.SequenceEqual("controller"u8))
                    {
                        controller = ReadBool(ref r, "controller");
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                owners.Add(new OwnerRef(kind, name, uid, controller));
            }

            _path.Pop();
        }
    }

    private string RequireName()
    {
        if (string.IsNullOrEmpty(_meta.Name))
        {
            _path.Push("metadata");
            _path.Push("name");
            throw Error("the object has no name");
        }

        return _meta.Name;
    }

    /// <summary>A namespaced object without a namespace lands in <c>default</c>, as <c>kubectl apply</c> would put it.</summary>
    private int NamespaceOrDefault() => _meta.Namespace != 0 ? _meta.Namespace : _idDefaultNamespace;

    // ---- resources --------------------------------------------------------------------------------------------------

    /// <summary>A ResourceList (<c>{"cpu": "500m", "memory": "1Gi"}</c>): cpu in millicores, everything else in units.</summary>
    private void ParseResourceList(ref TapeReader r, List<ResourceAmount> target)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            int resource = ResourceId(name);
            if (TryReadQuantity(ref r, _builder.Resources[resource], ResourceCatalog.ScaleOf(resource), out long amount))
            {
                target.Add(new ResourceAmount(resource, amount));
            }
        }
    }

    private int ResourceId(ReadOnlySpan<byte> name)
    {
        if (!_resourceIds.TryGetValue(name, out int id))
        {
            id = _builder.Resources.GetOrAdd(Encoding.UTF8.GetString(name));
            _resourceIds.Set(name, id);
        }

        return id;
    }

    // ---- Pod --------------------------------------------------------------------------------------------------------

    private void ParsePod(ref TapeReader r)
    {
        PodRecord pod = _pod;
        pod.Clear();
        _meta.Clear();
        _ephemeralVolumes.Clear();
        ResetConstraintParts();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, pod.Labels, pod.Annotations, pod.Owners, wantUid: true);
            }
            else if (name.SequenceEqual("spec"u8))
            {
                Enter(ref r, "spec");
                ParsePodSpec(ref r, pod);
                _path.Pop();
            }
            else if (name.SequenceEqual("status"u8))
            {
                Enter(ref r, "status");
                ParsePodStatus(ref r, pod);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        pod.Name = RequireName();
        pod.Namespace = NamespaceOrDefault();
        pod.Uid = _meta.Uid ?? string.Empty;
        pod.CreationTime = _meta.Creation;
        if (_meta.Deletion != UnixTime.None)
        {
            pod.Flags |= PodFlags.Terminating;
            pod.DeletionTime = _meta.Deletion;
        }

        pod.Flags |= AnnotationFlags(pod.Annotations);

        // A generic ephemeral volume is backed by a PVC the controller names "<pod>-<volume>".
        foreach (int volume in _ephemeralVolumes)
        {
            pod.PvcClaims.Add(_strings.Intern(pod.Name + "-" + _strings[volume]));
        }

        pod.Constraints = AssembleConstraints();
        _builder.AddPod(pod);
    }

    private PodFlags AnnotationFlags(List<(int Key, int Value)> annotations)
    {
        PodFlags flags = PodFlags.None;
        foreach ((int key, int value) in annotations)
        {
            if (key == _keyMirror)
            {
                flags |= PodFlags.Mirror;
            }
            else if (key == _keyConfigSource)
            {
                flags |= value != _idApi ? PodFlags.Static : PodFlags.None;
            }
            else if (key == _keyEvict)
            {
                flags |= PodFlags.EvictAnnotation;
            }
            else if (key == _keyPreferNoEviction)
            {
                flags |= PodFlags.PreferNoEviction;
            }
            else if (key == _keySafeToEvict)
            {
                flags |= value == _idTrueLower ? PodFlags.SafeToEvictTrue : value == _idFalseLower ? PodFlags.SafeToEvictFalse : PodFlags.None;
            }
            else if (key == _keyDoNotDisrupt)
            {
                flags |= value == _idTrueLower ? PodFlags.DoNotDisrupt : PodFlags.None;
            }
        }

        return flags;
    }

    private void ParsePodSpec(ref TapeReader r, PodRecord pod)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("containers"u8))
            {
                Enter(ref r, "containers");
                ParseContainers(ref r, pod, ContainerKind.Regular);
                _path.Pop();
            }
            else if (name.SequenceEqual("initContainers"u8))
            {
                Enter(ref r, "initContainers");
                ParseContainers(ref r, pod, ContainerKind.Init);
                _path.Pop();
            }
            else if (name.SequenceEqual("nodeName"u8))
            {
                pod.NodeName = ReadStringId(ref r, "nodeName");
            }
            else if (name.SequenceEqual("priority"u8))
            {
                if (TryReadInt32(ref r, "priority", out int priority))
                {
                    pod.Priority = priority;
                    pod.Flags |= PodFlags.HasPriority;
                }
            }
            else if (name.SequenceEqual("priorityClassName"u8))
            {
                pod.PriorityClassName = ReadStringId(ref r, "priorityClassName");
            }
            else if (name.SequenceEqual("overhead"u8))
            {
                Enter(ref r, "overhead");
                ParseResourceList(ref r, pod.Overhead);
                _path.Pop();
            }
            else if (name.SequenceEqual("volumes"u8))
            {
                Enter(ref r, "volumes");
                ParseVolumes(ref r, pod);
                _path.Pop();
            }
            else if (name.SequenceEqual("resourceClaims"u8))
            {
                Enter(ref r, "resourceClaims");
                if (BeginArray(ref r))
                {
                    TapeReader probe = r;
                    if (NextElement(ref probe))
                    {
                        pod.Flags |= PodFlags.ResourceClaims;
                    }

                    Skip(ref r);
                }

                _path.Pop();
            }
            else if (name.SequenceEqual("tolerations"u8))
            {
                Enter(ref r, "tolerations");
                _tolerations = ReadTolerations(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("nodeSelector"u8))
            {
                Enter(ref r, "nodeSelector");
                _nodeSelector = ReadNodeSelector(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("affinity"u8))
            {
                Enter(ref r, "affinity");
                _affinity = ReadAffinity(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("topologySpreadConstraints"u8))
            {
                Enter(ref r, "topologySpreadConstraints");
                _spread = ReadTopologySpread(ref r);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    private void ParseContainers(ref TapeReader r, PodRecord pod, ContainerKind kind)
    {
        if (!BeginArray(ref r))
        {
            return;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                ContainerRecord container = pod.AddContainer(kind);
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("resources"u8))
                    {
                        Enter(ref r, "resources");
                        ParseContainerResources(ref r, container);
                        _path.Pop();
                    }
                    else if (name.SequenceEqual("name"u8))
                    {
                        container.Name = ReadStringId(ref r, "name");
                    }
                    else if (name.SequenceEqual("image"u8))
                    {
                        container.Image = ReadStringId(ref r, "image");
                    }
                    else if (name.SequenceEqual("restartPolicy"u8) && kind == ContainerKind.Init)
                    {
                        // An init container that restarts Always is a sidecar (KEP-753): it keeps running beside the app.
                        if (ReadUtf8(ref r, "restartPolicy").SequenceEqual("Always"u8))
                        {
                            container.Kind = ContainerKind.SidecarInit;
                        }
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }
            }

            _path.Pop();
        }
    }

    private void ParseContainerResources(ref TapeReader r, ContainerRecord container)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("requests"u8))
            {
                Enter(ref r, "requests");
                ParseResourceList(ref r, container.Requests);
                _path.Pop();
            }
            else if (name.SequenceEqual("limits"u8))
            {
                Enter(ref r, "limits");
                ParseResourceList(ref r, container.Limits);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    private void ParseVolumes(ref TapeReader r, PodRecord pod)
    {
        if (!BeginArray(ref r))
        {
            return;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                // Volume names are per pod (kube-api-access-xxxxx) and only a generic ephemeral volume's is needed, so
                // the name is kept as bytes and interned only then.
                int volumeLength = 0;
                bool ephemeral = false;
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("name"u8))
                    {
                        ReadOnlySpan<byte> volumeName = ReadUtf8(ref r, "name");
                        if (volumeName.Length > _volumeName.Length)
                        {
                            _volumeName = new byte[volumeName.Length * 2];
                        }

                        volumeName.CopyTo(_volumeName);
                        volumeLength = volumeName.Length;
                    }
                    else if (name.SequenceEqual("emptyDir"u8))
                    {
                        pod.Flags |= PresentValue(ref r) ? PodFlags.EmptyDirVolume : PodFlags.None;
                    }
                    else if (name.SequenceEqual("hostPath"u8))
                    {
                        pod.Flags |= PresentValue(ref r) ? PodFlags.HostPathVolume : PodFlags.None;
                    }
                    else if (name.SequenceEqual("ephemeral"u8))
                    {
                        ephemeral = PresentValue(ref r);
                    }
                    else if (name.SequenceEqual("persistentVolumeClaim"u8))
                    {
                        Enter(ref r, "persistentVolumeClaim");
                        if (BeginObject(ref r))
                        {
                            pod.Flags |= PodFlags.PvcVolume;
                            while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                            {
                                if (property.SequenceEqual("claimName"u8))
                                {
                                    int claim = ReadStringId(ref r, "claimName");
                                    if (claim != 0)
                                    {
                                        pod.PvcClaims.Add(claim);
                                    }
                                }
                                else
                                {
                                    Skip(ref r);
                                }
                            }
                        }

                        _path.Pop();
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                if (ephemeral)
                {
                    pod.Flags |= PodFlags.PvcVolume;
                    _ephemeralVolumes.Add(_strings.Intern(_volumeName.AsSpan(0, volumeLength)));
                }
            }

            _path.Pop();
        }
    }

    private void ParsePodStatus(ref TapeReader r, PodRecord pod)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("phase"u8))
            {
                pod.Phase = ReadPhase(ref r);
            }
            else if (name.SequenceEqual("conditions"u8))
            {
                Enter(ref r, "conditions");
                ParsePodConditions(ref r, pod);
                _path.Pop();
            }
            else if (name.SequenceEqual("containerStatuses"u8))
            {
                Enter(ref r, "containerStatuses");
                ParseContainerStatuses(ref r, pod, init: false);
                _path.Pop();
            }
            else if (name.SequenceEqual("initContainerStatuses"u8))
            {
                Enter(ref r, "initContainerStatuses");
                ParseContainerStatuses(ref r, pod, init: true);
                _path.Pop();
            }
            else if (name.SequenceEqual("qosClass"u8))
            {
                pod.Qos = ReadQosClass(ref r);
            }
            else if (name.SequenceEqual("reason"u8))
            {
                pod.StatusReason = ReadStringId(ref r, "reason");
            }
            else if (name.SequenceEqual("startTime"u8))
            {
                pod.StartTime = ReadTime(ref r, "startTime");
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    private PodPhase ReadPhase(ref TapeReader r)
    {
        ReadOnlySpan<byte> text = ReadUtf8(ref r, "phase");
        if (text.IsEmpty || text.SequenceEqual("Running"u8))
        {
            return PodPhase.Running; // absent: the record's default, as for a pod without status
        }

        return text.SequenceEqual("Pending"u8) ? PodPhase.Pending
            : text.SequenceEqual("Succeeded"u8) ? PodPhase.Succeeded
            : text.SequenceEqual("Failed"u8) ? PodPhase.Failed
            : text.SequenceEqual("Unknown"u8) ? PodPhase.Unknown
            : throw InvalidValue(ref r, "phase", "Pending, Running, Succeeded, Failed, Unknown");
    }

    private QosClass? ReadQosClass(ref TapeReader r)
    {
        ReadOnlySpan<byte> text = ReadUtf8(ref r, "qosClass");
        if (text.IsEmpty)
        {
            return null;
        }

        return text.SequenceEqual("Burstable"u8) ? QosClass.Burstable
            : text.SequenceEqual("BestEffort"u8) ? QosClass.BestEffort
            : text.SequenceEqual("Guaranteed"u8) ? QosClass.Guaranteed
            : throw InvalidValue(ref r, "qosClass", "Guaranteed, Burstable, BestEffort");
    }

    private void ParsePodConditions(ref TapeReader r, PodRecord pod)
    {
        if (!BeginArray(ref r))
        {
            return;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int type = 0;
                int status = 0;
                int reason = 0;
                long transition = UnixTime.None;
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("type"u8))
                    {
                        type = ReadStringId(ref r, "type");
                    }
                    else if (name.SequenceEqual("status"u8))
                    {
                        status = ReadStringId(ref r, "status");
                    }
                    else if (name.SequenceEqual("reason"u8))
                    {
                        reason = ReadStringId(ref r, "reason");
                    }
                    else if (name.SequenceEqual("lastTransitionTime"u8))
                    {
                        transition = ReadTime(ref r, "lastTransitionTime");
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                pod.Conditions.Add(new PodCondition(type, status, reason, transition));
                if (type == _idReady && status == _idTrue)
                {
                    pod.Flags |= PodFlags.Ready;
                }
            }

            _path.Pop();
        }
    }

    /// <summary>
    /// Container statuses keep the current state's waiting reason and terminated reason/exit code, which is what
    /// RemoveFailedPods, PodLifeTime and RemovePodsHavingTooManyRestarts match on, and <c>lastState</c>'s terminated
    /// reason (an OOM kill before the current restart, for the usage history).
    /// </summary>
    private void ParseContainerStatuses(ref TapeReader r, PodRecord pod, bool init)
    {
        if (!BeginArray(ref r))
        {
            return;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int name = 0;
                int restarts = 0;
                bool ready = false;
                var state = default(ContainerStateInfo);
                var lastState = default(ContainerStateInfo);
                while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                {
                    if (property.SequenceEqual("name"u8))
                    {
                        name = ReadStringId(ref r, "name");
                    }
                    else if (property.SequenceEqual("restartCount"u8))
                    {
                        restarts = TryReadInt32(ref r, "restartCount", out int count) ? count : 0;
                        if (restarts < 0)
                        {
                            _path.Push("restartCount");
                            throw Error("a negative restart count; it counts, so it is 0 or more", restarts.ToString(CultureInfo.InvariantCulture));
                        }
                    }
                    else if (property.SequenceEqual("ready"u8))
                    {
                        ready = ReadBool(ref r, "ready");
                    }
                    else if (property.SequenceEqual("state"u8))
                    {
                        Enter(ref r, "state");
                        state = ParseContainerState(ref r);
                        _path.Pop();
                    }
                    else if (property.SequenceEqual("lastState"u8))
                    {
                        Enter(ref r, "lastState");
                        lastState = ParseContainerState(ref r);
                        _path.Pop();
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                pod.ContainerStatuses.Add(new ContainerStatus(name, init, restarts, state.WaitingReason, state.TerminatedReason,
                    state.ExitCode, state.HasExitCode, ready) { LastTerminatedReason = lastState.TerminatedReason });
            }

            _path.Pop();
        }
    }

    private readonly record struct ContainerStateInfo(int WaitingReason, int TerminatedReason, int ExitCode, bool HasExitCode);

    private ContainerStateInfo ParseContainerState(ref TapeReader r)
    {
        int waiting = 0;
        int terminated = 0;
        int exitCode = 0;
        bool hasExitCode = false;
        if (BeginObject(ref r))
        {
            while (NextProperty(ref r, out ReadOnlySpan<byte> name))
            {
                bool isWaiting = name.SequenceEqual("waiting"u8);
                if (!isWaiting && !name.SequenceEqual("terminated"u8))
                {
                    Skip(ref r);
                    continue;
                }

                Enter(ref r, isWaiting ? "waiting" : "terminated");
                if (BeginObject(ref r))
                {
                    while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                    {
                        if (property.SequenceEqual("reason"u8))
                        {
                            int reason = ReadStringId(ref r, "reason");
                            if (isWaiting)
                            {
                                waiting = reason;
                            }
                            else
                            {
                                terminated = reason;
                            }
                        }
                        else if (!isWaiting && property.SequenceEqual("exitCode"u8))
                        {
                            hasExitCode = TryReadInt32(ref r, "exitCode", out exitCode);
                        }
                        else
                        {
                            Skip(ref r);
                        }
                    }
                }

                _path.Pop();
            }
        }

        return new ContainerStateInfo(waiting, terminated, exitCode, hasExitCode);
    }

    // ---- Node -------------------------------------------------------------------------------------------------------

    private void ParseNode(ref TapeReader r)
    {
        NodeRecord node = _node;
        node.Clear();
        _meta.Clear();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, node.Labels, node.Annotations, owners: null, wantUid: false);
            }
            else if (name.SequenceEqual("spec"u8))
            {
                Enter(ref r, "spec");
                ParseNodeSpec(ref r, node);
                _path.Pop();
            }
            else if (name.SequenceEqual("status"u8))
            {
                Enter(ref r, "status");
                ParseNodeStatus(ref r, node);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        node.Name = RequireName();
        node.CreationTime = _meta.Creation;
        _builder.AddNode(node);
    }

    private void ParseNodeSpec(ref TapeReader r, NodeRecord node)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("unschedulable"u8))
            {
                node.Flags |= ReadBool(ref r, "unschedulable") ? NodeFlags.Unschedulable : NodeFlags.None;
            }
            else if (name.SequenceEqual("taints"u8))
            {
                Enter(ref r, "taints");
                ParseTaints(ref r, node.Taints);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    private void ParseTaints(ref TapeReader r, List<Taint> taints)
    {
        if (!BeginArray(ref r))
        {
            return;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int key = 0;
                int value = 0;
                TaintEffect effect = TaintEffect.Any;
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("key"u8))
                    {
                        key = ReadStringId(ref r, "key");
                    }
                    else if (name.SequenceEqual("value"u8))
                    {
                        value = ReadStringId(ref r, "value");
                    }
                    else if (name.SequenceEqual("effect"u8))
                    {
                        effect = ReadTaintEffect(ref r, allowAny: false);
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                if (effect == TaintEffect.Any)
                {
                    throw Error("the taint has no effect");
                }

                taints.Add(new Taint(key, value, effect));
            }

            _path.Pop();
        }
    }

    private void ParseNodeStatus(ref TapeReader r, NodeRecord node)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("allocatable"u8))
            {
                Enter(ref r, "allocatable");
                ParseResourceList(ref r, node.Allocatable);
                _path.Pop();
            }
            else if (name.SequenceEqual("capacity"u8))
            {
                Enter(ref r, "capacity");
                ParseResourceList(ref r, node.Capacity);
                _path.Pop();
            }
            else if (name.SequenceEqual("conditions"u8))
            {
                Enter(ref r, "conditions");
                if (ReadyConditionIsTrue(ref r))
                {
                    node.Flags |= NodeFlags.Ready;
                }

                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    private bool ReadyConditionIsTrue(ref TapeReader r)
    {
        bool ready = false;
        if (!BeginArray(ref r))
        {
            return false;
        }

        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                bool isReady = false;
                bool isTrue = false;
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("type"u8))
                    {
                        isReady = ReadUtf8(ref r, "type").SequenceEqual("Ready"u8);
                    }
                    else if (name.SequenceEqual("status"u8))
                    {
                        isTrue = ReadUtf8(ref r, "status").SequenceEqual("True"u8);
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                ready |= isReady && isTrue;
            }

            _path.Pop();
        }

        return ready;
    }

    // ---- PodDisruptionBudget (policy/v1) ----------------------------------------------------------------------------

    private void ParsePodDisruptionBudget(ref TapeReader r)
    {
        _meta.Clear();
        var pdb = new PdbRecord();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, labels: null, annotations: null, owners: null, wantUid: false);
            }
            else if (name.SequenceEqual("spec"u8))
            {
                Enter(ref r, "spec");
                ParsePdbSpec(ref r, pdb);
                _path.Pop();
            }
            else if (name.SequenceEqual("status"u8))
            {
                Enter(ref r, "status");
                ParsePdbStatus(ref r, pdb);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        pdb.Name = RequireName();
        pdb.Namespace = NamespaceOrDefault();
        pdb.Generation = _meta.Generation;
        _builder.AddPdb(pdb);
    }

    private void ParsePdbSpec(ref TapeReader r, PdbRecord pdb)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("selector"u8))
            {
                Enter(ref r, "selector");
                pdb.Selector = ParseLabelSelector(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("minAvailable"u8))
            {
                pdb.MinAvailable = ReadIntOrPercent(ref r, "minAvailable");
            }
            else if (name.SequenceEqual("maxUnavailable"u8))
            {
                pdb.MaxUnavailable = ReadIntOrPercent(ref r, "maxUnavailable");
            }
            else if (name.SequenceEqual("unhealthyPodEvictionPolicy"u8))
            {
                ReadOnlySpan<byte> text = ReadUtf8(ref r, "unhealthyPodEvictionPolicy");
                pdb.UnhealthyPodEvictionPolicy = text.IsEmpty || text.SequenceEqual("IfHealthyBudget"u8) ? UnhealthyPodEvictionPolicy.IfHealthyBudget
                    : text.SequenceEqual("AlwaysAllow"u8) ? UnhealthyPodEvictionPolicy.AlwaysAllow
                    : throw InvalidValue(ref r, "unhealthyPodEvictionPolicy", "IfHealthyBudget, AlwaysAllow");
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    /// <summary>
    /// An int or a percentage string, as intstr.GetScaledValueFromIntOrPercent accepts them: a string must end in
    /// <c>%</c> ("1" as a string is the controller's "invalid type: string is not a percentage").
    /// </summary>
    private IntOrPercent? ReadIntOrPercent(ref TapeReader r, string segment)
    {
        Enter(ref r, segment);
        IntOrPercent? value;
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                value = null;
                break;
            case JsonTokenType.Number when r.TryGetInt32(out int number):
                value = new IntOrPercent(number, IsPercent: false);
                break;
            case JsonTokenType.String:
                // Digits and a percent sign, as the API's IsValidPercent has it: no sign, no spaces.
                ReadOnlySpan<byte> text = Utf8Value(ref r);
                if (text.Length < 2 || text[^1] != '%' || !char.IsAsciiDigit((char)text[0])
                    || !Utf8Parser.TryParse(text[..^1], out int percent, out int consumed) || consumed != text.Length - 1)
                {
                    throw Error("expected an integer or a percentage such as \"50%\"", TokenText(ref r));
                }

                value = new IntOrPercent(percent, IsPercent: true);
                break;
            default:
                throw Expected(ref r, "an integer or a percentage string");
        }

        try
        {
            SnapshotRules.CheckIntOrPercent(value, string.Empty);
        }
        catch (SnapshotValueException e)
        {
            throw Error(e.Problem, TokenText(ref r));
        }

        _path.Pop();
        return value;
    }

    private void ParsePdbStatus(ref TapeReader r, PdbRecord pdb)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        pdb.HasStatus = true;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            // The controller always writes the four counters; absent (C# clients omit nulls) reads as 0 like Go's zero value.
            if (name.SequenceEqual("observedGeneration"u8))
            {
                pdb.ObservedGeneration = TryReadInt64(ref r, "observedGeneration", out long value) ? value : 0;
            }
            else if (name.SequenceEqual("disruptionsAllowed"u8))
            {
                pdb.DisruptionsAllowed = TryReadInt32(ref r, "disruptionsAllowed", out int value) ? value : 0;
            }
            else if (name.SequenceEqual("currentHealthy"u8))
            {
                pdb.CurrentHealthy = TryReadInt32(ref r, "currentHealthy", out int value) ? value : 0;
            }
            else if (name.SequenceEqual("desiredHealthy"u8))
            {
                pdb.DesiredHealthy = TryReadInt32(ref r, "desiredHealthy", out int value) ? value : 0;
            }
            else if (name.SequenceEqual("expectedPods"u8))
            {
                pdb.ExpectedPods = TryReadInt32(ref r, "expectedPods", out int value) ? value : 0;
            }
            else if (name.SequenceEqual("disruptedPods"u8))
            {
                Enter(ref r, "disruptedPods");
                if (BeginObject(ref r))
                {
                    while (NextProperty(ref r, out ReadOnlySpan<byte> pod))
                    {
                        pdb.DisruptedPods.Add(Encoding.UTF8.GetString(pod));
                        Skip(ref r);
                    }
                }

                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    // ---- Namespace, PriorityClass -----------------------------------------------------------------------------------

    private void ParseNamespace(ref TapeReader r)
    {
        _meta.Clear();
        _labels.Clear();
        _namespaceAnnotations.Clear();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, _labels, _namespaceAnnotations, owners: null, wantUid: false);
            }
            else
            {
                Skip(ref r);
            }
        }

        _builder.AddNamespace(RequireName(), _labels, _namespaceAnnotations);
    }

    private void ParsePriorityClass(ref TapeReader r)
    {
        _meta.Clear();
        int value = 0;
        bool globalDefault = false;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, labels: null, annotations: null, owners: null, wantUid: false);
            }
            else if (name.SequenceEqual("value"u8))
            {
                value = TryReadInt32(ref r, "value", out int number) ? number : 0;
            }
            else if (name.SequenceEqual("globalDefault"u8))
            {
                globalDefault = ReadBool(ref r, "globalDefault");
            }
            else
            {
                Skip(ref r);
            }
        }

        _builder.AddPriorityClass(RequireName(), value, globalDefault);
    }

    // ---- metrics.k8s.io ---------------------------------------------------------------------------------------------

    private void ParseNodeMetrics(ref TapeReader r)
    {
        _meta.Clear();
        long cpu = 0;
        long memory = 0;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, labels: null, annotations: null, owners: null, wantUid: false);
            }
            else if (name.SequenceEqual("usage"u8))
            {
                Enter(ref r, "usage");
                ParseUsage(ref r, ref cpu, ref memory);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        _builder.AddNodeMetrics(RequireName(), cpu, memory);
    }

    private void ParsePodMetrics(ref TapeReader r)
    {
        _meta.Clear();
        long cpu = 0;
        long memory = 0;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metadata"u8))
            {
                ParseMetadata(ref r, labels: null, annotations: null, owners: null, wantUid: false);
            }
            else if (name.SequenceEqual("containers"u8))
            {
                // PodMetrics has no pod total: the usage is the sum over the containers.
                Enter(ref r, "containers");
                if (BeginArray(ref r))
                {
                    for (int i = 0; NextElement(ref r); i++)
                    {
                        _path.PushIndex(i);
                        if (BeginObject(ref r))
                        {
                            while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                            {
                                if (property.SequenceEqual("usage"u8))
                                {
                                    Enter(ref r, "usage");
                                    ParseUsage(ref r, ref cpu, ref memory);
                                    _path.Pop();
                                }
                                else
                                {
                                    Skip(ref r);
                                }
                            }
                        }

                        _path.Pop();
                    }
                }

                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        _builder.AddPodMetrics(_strings[NamespaceOrDefault()], RequireName(), cpu, memory);
    }

    /// <summary>Adds a metrics <c>usage</c> map: cpu (metrics-server reports nanocores) in millicores rounded up, memory in bytes.</summary>
    private void ParseUsage(ref TapeReader r, ref long cpu, ref long memory)
    {
        if (!BeginObject(ref r))
        {
            return;
        }

        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("cpu"u8))
            {
                cpu = AddUsage(cpu, TryReadQuantity(ref r, "cpu", Quantity.Milli, out long value) ? value : 0, "cpu");
            }
            else if (name.SequenceEqual("memory"u8))
            {
                memory = AddUsage(memory, TryReadQuantity(ref r, "memory", 0, out long value) ? value : 0, "memory");
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    /// <summary>A PodMetrics' containers add up; checked against the builder's limit here, where the path is known.</summary>
    private long AddUsage(long sum, long value, string segment)
    {
        // Both terms at most 2^62 before the comparison, so the sum cannot overflow.
        if (value > SnapshotRules.MaxTotal || (sum += value) > SnapshotRules.MaxTotal)
        {
            _path.Push(segment);
            throw Error($"the usage of {segment} adds up to more than {SnapshotRules.MaxTotal} {(segment == "cpu" ? "millicores" : "bytes")}, more than any cluster holds");
        }

        return sum;
    }
}
