namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>
/// One object of every inventory kind as kubectl prints it (apiVersion and kind on each, as in a v1 List), with the
/// fields the inventory keeps set to values that are easy to recognise. Used by the loader, compact and live tests.
/// </summary>
internal static class InventoryFixtures
{
    public const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","uid":"dep-web","creationTimestamp":"2025-01-01T00:00:00Z",
          "labels":{"app":"web","team":"shop"},"annotations":{"owner":"alice","kubectl.kubernetes.io/last-applied-configuration":"{}"},"generation":4},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["batch"]}]},
          "template":{"metadata":{"labels":{"app":"web"},"annotations":{"prometheus.io/scrape":"true"}},
           "spec":{"initContainers":[{"name":"migrate","image":"web:1","resources":{"requests":{"cpu":"50m"}}},
                                     {"name":"proxy","image":"envoy:1","restartPolicy":"Always","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}}}],
                   "containers":[{"name":"app","image":"web:1","resources":{"requests":{"cpu":"250m","memory":"512Mi","nvidia.com/gpu":"1"},"limits":{"cpu":"1","memory":"512Mi","nvidia.com/gpu":"1"}}}]}}},
         "status":{"replicas":3,"readyReplicas":2,"availableReplicas":2,"observedGeneration":4}}
        """;

    public const string ReplicaSet = """
        {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"web-abc","namespace":"shop","uid":"rs-web-abc",
          "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"dep-web","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"abc"}},
          "template":{"metadata":{"labels":{"app":"web","pod-template-hash":"abc"}},"spec":{"containers":[{"name":"app","image":"web:1"}]}}},
         "status":{"replicas":3,"readyReplicas":3,"availableReplicas":3}}
        """;

    public const string StatefulSet = """
        {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"db","namespace":"shop","uid":"sts-db"},
         "spec":{"replicas":1,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
          "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:16","resources":{"requests":{"cpu":"1","memory":"4Gi"}}}]}},
          "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}}}}]},
         "status":{"replicas":1,"readyReplicas":1,"availableReplicas":1}}
        """;

    public const string DaemonSet = """
        {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"agent","namespace":"kube-system","uid":"ds-agent"},
         "spec":{"selector":{},"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent","image":"agent:2","resources":{"requests":{"cpu":"20m","memory":"32Mi"}}}]}}},
         "status":{"currentNumberScheduled":5,"desiredNumberScheduled":6,"numberReady":4,"numberAvailable":4,"numberMisscheduled":0}}
        """;

    public const string CronJob = """
        {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"nightly","namespace":"shop","uid":"cj-nightly"},
         "spec":{"schedule":"0 3 * * *","timeZone":"Europe/Paris","suspend":false,"successfulJobsHistoryLimit":5,"concurrencyPolicy":"Forbid",
          "jobTemplate":{"spec":{"ttlSecondsAfterFinished":3600,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"report","image":"report:3","resources":{"requests":{"cpu":"500m"}}}]}}}}},
         "status":{"lastScheduleTime":"2025-06-01T03:00:00Z","lastSuccessfulTime":"2025-06-01T03:04:00Z","active":[{"kind":"Job","name":"nightly-2"}]}}
        """;

    public const string Job = """
        {"apiVersion":"batch/v1","kind":"Job","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"nightly-1","namespace":"shop","uid":"job-nightly-1",
          "ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"nightly","uid":"cj-nightly","controller":true}]},
         "spec":{"completions":1,"parallelism":1,"backoffLimit":6,"ttlSecondsAfterFinished":3600,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"job-nightly-1"}},
          "template":{"spec":{"restartPolicy":"Never","containers":[{"name":"report","image":"report:3"}]}}},
         "status":{"startTime":"2025-06-01T03:00:01Z","completionTime":"2025-06-01T03:04:00Z","succeeded":1,
          "conditions":[{"type":"SuccessCriteriaMet","status":"True","lastTransitionTime":"2025-06-01T03:03:59Z"},
                        {"type":"Complete","status":"True","lastTransitionTime":"2025-06-01T03:04:00Z"}]}}
        """;

    public const string FailedJob = """
        {"apiVersion":"batch/v1","kind":"Job","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"once","namespace":"shop","uid":"job-once"},
         "spec":{"suspend":false,"template":{"spec":{"containers":[{"name":"once","image":"once:1"}]}}},
         "status":{"startTime":"2025-05-01T00:00:00Z","failed":6,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded","lastTransitionTime":"2025-05-01T00:10:00Z"}]}}
        """;

    public const string Hpa = """
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"web","namespace":"shop","uid":"hpa-web"},
         "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,
          "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}},
                     {"type":"ContainerResource","containerResource":{"name":"memory","container":"app","target":{"type":"AverageValue","averageValue":"400Mi"}}},
                     {"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"Value","value":"30"}}}]},
         "status":{"currentReplicas":3,"desiredReplicas":4}}
        """;

    public const string DefaultHpa = """
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"db","namespace":"shop","uid":"hpa-db"},
         "spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"db"},"maxReplicas":3}}
        """;

    public const string BoundVolume = """
        {"apiVersion":"v1","kind":"PersistentVolume","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"pv-data-db-0","uid":"pv-1"},
         "spec":{"capacity":{"storage":"10Gi"},"accessModes":["ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Delete","storageClassName":"gp3",
          "claimRef":{"kind":"PersistentVolumeClaim","namespace":"shop","name":"data-db-0","uid":"pvc-1"},"csi":{"driver":"ebs.csi.aws.com","volumeHandle":"vol-1"}},
         "status":{"phase":"Bound","lastPhaseTransitionTime":"2025-01-02T00:00:00Z"}}
        """;

    public const string ReleasedVolume = """
        {"apiVersion":"v1","kind":"PersistentVolume","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"pv-old","uid":"pv-2"},
         "spec":{"capacity":{"storage":"100Gi"},"accessModes":["ReadWriteOnce","ReadOnlyMany"],"persistentVolumeReclaimPolicy":"Retain","storageClassName":"gp3",
          "claimRef":{"namespace":"shop","name":"gone","uid":"pvc-gone"}},
         "status":{"phase":"Released"}}
        """;

    public const string Claim = """
        {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"data-db-0","namespace":"shop","uid":"pvc-1","labels":{"app":"db"}},
         "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}},"storageClassName":"gp3","volumeName":"pv-data-db-0","volumeMode":"Filesystem"},
         "status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"10Gi"}}}
        """;

    public const string UnusedClaim = """
        {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"scratch","namespace":"shop","uid":"pvc-2"},
         "spec":{"accessModes":["ReadWriteMany"],"resources":{"requests":{"storage":"1Gi"}}},
         "status":{"phase":"Pending"}}
        """;

    public const string LimitRange = """
        {"apiVersion":"v1","kind":"LimitRange","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"defaults","namespace":"shop","uid":"lr-1"},
         "spec":{"limits":[{"type":"Container","default":{"cpu":"500m","memory":"512Mi"},"defaultRequest":{"cpu":"100m","memory":"128Mi"},
                            "min":{"cpu":"10m"},"max":{"cpu":"4","memory":"8Gi"},"maxLimitRequestRatio":{"cpu":"1.5"}},
                           {"type":"PersistentVolumeClaim","min":{"storage":"1Gi"},"max":{"storage":"1Ti"}}]}}
        """;

    public const string ResourceQuota = """
        {"apiVersion":"v1","kind":"ResourceQuota","metadata":{"creationTimestamp":"2025-02-03T04:05:06Z","name":"compute","namespace":"shop","uid":"rq-1"},
         "spec":{"hard":{"requests.cpu":"20","requests.memory":"64Gi","limits.cpu":"40","pods":"100","count/deployments.apps":"50"},"scopes":["NotTerminating"]},
         "status":{"hard":{"requests.cpu":"20"},"used":{"requests.cpu":"3250m","requests.memory":"10Gi","pods":"12"}}}
        """;

    /// <summary>Every fixture above, in a fixed order.</summary>
    public static string[] All =>
    [
        Deployment, ReplicaSet, StatefulSet, DaemonSet, CronJob, Job, FailedJob, Hpa, DefaultHpa, BoundVolume, ReleasedVolume, Claim, UnusedClaim,
        LimitRange, ResourceQuota,
    ];
}
