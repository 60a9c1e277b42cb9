namespace Rebalancer.Testing.Synthetic;

/// <summary>Names, images and add-on templates that make the synthetic cluster look like a real EKS cluster.</summary>
internal static class Catalog
{
    public const long Mi = 1024L * 1024;
    public const long Gi = 1024L * Mi;

    public const string EcrAccount = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    public const string EksRegistry = "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks";
    public const string IstioProxy = "docker.io/istio/proxyv2:1.23.2";

    public static readonly string[] Teams =
    [
        "shop", "payments", "search", "checkout", "catalog", "identity", "orders", "inventory", "shipping", "billing",
        "notifications", "ads", "analytics", "recommendations", "media", "reviews", "pricing", "fraud", "loyalty",
        "support", "gateway", "ml", "data", "platform", "growth", "marketing", "partners", "risk", "ledger", "tax",
        "messaging", "maps",
    ];

    public static readonly string[] TeamQualifiers = ["eu", "us", "internal", "edge", "batch", "legacy", "v2", "labs"];

    public static readonly string[] Components =
    [
        "api", "web", "worker", "consumer", "frontend", "backend", "gateway", "scheduler", "cache-warmer", "indexer",
        "ingest", "grpc-server", "sync", "reconciler", "exporter", "webhook", "notifier", "aggregator", "projector",
        "query", "writer", "reader", "admin", "bff", "cron-runner", "graphql", "stream-processor", "router",
        "auth-proxy", "renderer",
    ];

    public static readonly string[] StatefulComponents =
    [
        "postgres", "redis", "kafka", "zookeeper", "elasticsearch", "rabbitmq", "mongodb", "cassandra", "etcd",
        "clickhouse", "nats", "memcached",
    ];

    public static readonly string[] StatefulImages =
    [
        "docker.io/bitnami/postgresql:16.4.0", "docker.io/bitnami/redis:7.4.1", "docker.io/bitnami/kafka:3.8.0",
        "docker.io/bitnami/zookeeper:3.9.2", "docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
        "docker.io/bitnami/rabbitmq:3.13.7", "docker.io/bitnami/mongodb:7.0.14", "docker.io/bitnami/cassandra:4.1.6",
        "docker.io/bitnami/etcd:3.5.16", "docker.io/clickhouse/clickhouse-server:24.8", "docker.io/library/nats:2.10.21",
        "docker.io/bitnami/memcached:1.6.31",
    ];

    public static readonly string[] GpuComponents = ["model-serving", "inference", "embedding", "reranker", "trainer", "vision"];

    public static readonly string[] BarePodNames = ["debug-shell", "netshoot", "psql-client", "kubectl-runner", "load-test", "curl"];

    public static readonly string[] BarePodImages =
    [
        "docker.io/library/busybox:1.36", "docker.io/nicolaka/netshoot:v0.13", "docker.io/library/postgres:16",
        "docker.io/bitnami/kubectl:1.31", "docker.io/grafana/k6:0.54.0", "docker.io/curlimages/curl:8.10.1",
    ];

    /// <summary>(cpu millicores, memory MiB, weight) request profiles of application containers.</summary>
    public static readonly (int Cpu, int MemMi, int Weight)[] Profiles =
    [
        (50, 64, 10), (100, 128, 16), (100, 256, 14), (200, 256, 12), (250, 512, 12), (250, 384, 8), (500, 512, 8),
        (500, 1024, 6), (1000, 1024, 5), (1000, 2048, 3), (2000, 4096, 1), (150, 192, 5),
    ];

    public static readonly string[] InitNames = ["migrate", "wait-for-db", "init-config", "fetch-assets"];

    public static readonly string[] ExtraContainers = ["metrics-exporter", "cloud-sql-proxy", "oauth2-proxy", "envoy"];

    public static readonly string[] ExtraImages =
    [
        "quay.io/prometheus/statsd-exporter:v0.27.1", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0",
        "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", "docker.io/envoyproxy/envoy:v1.31.2",
    ];

    /// <summary>A DaemonSet template: name, namespace, containers (regular and init), host access, priority class.</summary>
    public sealed record DaemonSetTemplate(string Name, string Namespace, ContainerSpec[] Containers, bool HostPath, bool HostNetwork, string? PriorityClass);

    public static readonly DaemonSetTemplate[] DaemonSets =
    [
        new("kube-proxy", "kube-system", [new ContainerSpec { Name = "kube-proxy", Image = EksRegistry + "/kube-proxy:v1.31.3-minimal-eksbuild.2", CpuMilli = 100 }], true, true, "system-node-critical"),
        new("aws-node", "kube-system",
        [
            new ContainerSpec { Name = "aws-vpc-cni-init", Image = EksRegistry + "/amazon-k8s-cni-init:v1.19.0-eksbuild.1", Role = ContainerRole.Init, CpuMilli = 25 },
            new ContainerSpec { Name = "aws-node", Image = EksRegistry + "/amazon-k8s-cni:v1.19.0-eksbuild.1", CpuMilli = 25, Port = 61678 },
            new ContainerSpec { Name = "aws-eks-nodeagent", Image = EksRegistry + "/aws-network-policy-agent:v1.1.5-eksbuild.1", CpuMilli = 25 },
        ], true, true, "system-node-critical"),
        new("node-exporter", "monitoring", [new ContainerSpec { Name = "node-exporter", Image = "quay.io/prometheus/node-exporter:v1.8.2", CpuMilli = 100, MemoryBytes = 64 * Mi, CpuLimitMilli = 250, MemoryLimitBytes = 128 * Mi, Port = 9100 }], true, true, null),
        new("fluent-bit", "logging", [new ContainerSpec { Name = "fluent-bit", Image = "cr.fluentbit.io/fluent/fluent-bit:3.1.9", CpuMilli = 50, MemoryBytes = 64 * Mi, MemoryLimitBytes = 256 * Mi, Port = 2020 }], true, false, null),
        new("ebs-csi-node", "kube-system",
        [
            new ContainerSpec { Name = "ebs-plugin", Image = "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.37.0", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi, Port = 9808 },
            new ContainerSpec { Name = "node-driver-registrar", Image = "public.ecr.aws/eks-distro/kubernetes-csi/node-driver-registrar:v2.12.0-eks-1-31-7", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi },
            new ContainerSpec { Name = "liveness-probe", Image = "public.ecr.aws/eks-distro/kubernetes-csi/livenessprobe:v2.14.0-eks-1-31-7", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi },
        ], true, false, "system-node-critical"),
        new("otel-agent", "monitoring", [new ContainerSpec { Name = "otel-collector", Image = "docker.io/otel/opentelemetry-collector-contrib:0.112.0", CpuMilli = 100, MemoryBytes = 200 * Mi, CpuLimitMilli = 500, MemoryLimitBytes = 400 * Mi, Port = 4317 }], false, false, null),
        new("falco", "security", [new ContainerSpec { Name = "falco", Image = "docker.io/falcosecurity/falco-no-driver:0.39.1", CpuMilli = 100, MemoryBytes = 512 * Mi, CpuLimitMilli = 1000, MemoryLimitBytes = 1024 * Mi, Port = 8765 }], true, true, null),
    ];

    /// <summary>A kube-system add-on run as a Deployment with <c>priorityClassName: system-cluster-critical</c>.</summary>
    public sealed record AddonTemplate(string Name, int Replicas, ContainerSpec[] Containers, AntiAffinity AntiAffinity, bool EmptyDir);

    public static readonly AddonTemplate[] CriticalAddons =
    [
        new("coredns", 2, [new ContainerSpec { Name = "coredns", Image = EksRegistry + "/coredns:v1.11.3-eksbuild.2", CpuMilli = 100, MemoryBytes = 70 * Mi, MemoryLimitBytes = 170 * Mi, Port = 53 }], AntiAffinity.Preferred, false),
        new("metrics-server", 1, [new ContainerSpec { Name = "metrics-server", Image = "registry.k8s.io/metrics-server/metrics-server:v0.7.2", CpuMilli = 100, MemoryBytes = 200 * Mi, Port = 10250 }], AntiAffinity.None, true),
        new("karpenter", 2, [new ContainerSpec { Name = "controller", Image = "public.ecr.aws/karpenter/controller:1.0.8", CpuMilli = 1000, MemoryBytes = 1 * Gi, CpuLimitMilli = 1000, MemoryLimitBytes = 1 * Gi, Port = 8080 }], AntiAffinity.Required, false),
        new("ebs-csi-controller", 2,
        [
            new ContainerSpec { Name = "ebs-plugin", Image = "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.37.0", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi, Port = 9808 },
            new ContainerSpec { Name = "csi-provisioner", Image = "public.ecr.aws/eks-distro/kubernetes-csi/external-provisioner:v5.1.0-eks-1-31-7", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi },
            new ContainerSpec { Name = "csi-attacher", Image = "public.ecr.aws/eks-distro/kubernetes-csi/external-attacher:v4.7.0-eks-1-31-7", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi },
            new ContainerSpec { Name = "csi-resizer", Image = "public.ecr.aws/eks-distro/kubernetes-csi/external-resizer:v1.12.0-eks-1-31-7", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi },
            new ContainerSpec { Name = "liveness-probe", Image = "public.ecr.aws/eks-distro/kubernetes-csi/livenessprobe:v2.14.0-eks-1-31-7", CpuMilli = 10, MemoryBytes = 40 * Mi, MemoryLimitBytes = 256 * Mi },
        ], AntiAffinity.Preferred, true),
        new("aws-load-balancer-controller", 2, [new ContainerSpec { Name = "aws-load-balancer-controller", Image = "public.ecr.aws/eks/aws-load-balancer-controller:v2.9.2", CpuMilli = 100, MemoryBytes = 128 * Mi, CpuLimitMilli = 200, MemoryLimitBytes = 500 * Mi, Port = 9443 }], AntiAffinity.Preferred, false),
    ];

    /// <summary>What teams' CronJobs do (their names, after the namespace).</summary>
    public static readonly string[] CronJobNames = ["report", "cleanup", "sync", "backup", "export", "digest"];

    /// <summary>The images a node has pulled (status.images), for realism.</summary>
    public static readonly (string Name, long Size)[] NodeImages =
    [
        (EksRegistry + "/amazon-k8s-cni:v1.19.0-eksbuild.1", 42_371_834), (EksRegistry + "/amazon-k8s-cni-init:v1.19.0-eksbuild.1", 60_184_297),
        (EksRegistry + "/kube-proxy:v1.31.3-minimal-eksbuild.2", 28_127_422), ("quay.io/prometheus/node-exporter:v1.8.2", 12_045_121),
        ("cr.fluentbit.io/fluent/fluent-bit:3.1.9", 37_129_016), (IstioProxy, 101_436_412),
        ("public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.37.0", 31_440_720), (EksRegistry + "/pause:3.5", 298_689),
        (EksRegistry + "/aws-network-policy-agent:v1.1.5-eksbuild.1", 30_716_528), ("docker.io/otel/opentelemetry-collector-contrib:0.112.0", 96_120_345),
    ];
}
