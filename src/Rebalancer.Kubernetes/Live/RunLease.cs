using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Rebalancer.Kubernetes.Live;

/// <summary>What the executor needs of a lease: to know when it can no longer be trusted.</summary>
public interface IRunLease
{
    /// <summary>Cancelled once the lease is lost: another run took it over, or it could not be renewed in time.</summary>
    CancellationToken Lost { get; }

    /// <summary>Why the lease was lost; null while it is held.</summary>
    string? LostReason { get; }
}

/// <summary>A run's identity: <c>{host}_{8 hex digits}</c> (in a pod the host name is the pod's name), as client-go's <c>hostname_uuid</c>.</summary>
public static class RunIdentity
{
    public static string Create() =>
        Environment.MachineName.ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture)[..8];
}

/// <summary>Where the lease is and how it is timed. <see cref="RenewDeadline"/> must be shorter than <see cref="Duration"/>.</summary>
public sealed record RunLeaseOptions
{
    /// <summary>The namespace of the lease: the job's own (in-cluster), the kubeconfig context's, or <c>--lease-namespace</c>.</summary>
    public string Namespace { get; init; } = "default";

    public string Name { get; init; } = "rebalancer";

    /// <summary><c>spec.leaseDurationSeconds</c>: a killed run's lease is free this long after its last renewal.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// When renewals have failed this long since the last success, the lease is treated as lost and the run stops: it
    /// must stop before another run may take the lease over (at <see cref="Duration"/>), with a margin for clock skew.
    /// </summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>Wait before retrying a failed renewal, or a transient failure while acquiring.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts to acquire on transient failures (5xx, throttling, timeouts, dropped connections).</summary>
    public int AcquireAttempts { get; init; } = 3;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The result of trying to take the lease: a value, never an exception.</summary>
public abstract record LeaseAcquisition;

/// <summary>The lease is this run's until it is released or lost.</summary>
public sealed record LeaseAcquired(RunLease Lease) : LeaseAcquisition;

/// <summary>Another run holds the lease and renewed it recently: this run must not act.</summary>
/// <param name="ExpiresAt">When the lease becomes free if its holder stops renewing it.</param>
public sealed record LeaseHeld(string Namespace, string Name, string Holder, DateTimeOffset? AcquiredAt, DateTimeOffset? RenewedAt, DateTimeOffset ExpiresAt) : LeaseAcquisition
{
    public string Describe() => $"another run holds the lease {Namespace}/{Name}: {Holder}" +
        (AcquiredAt is { } acquired ? $", since {Rfc3339(acquired)}" : string.Empty) +
        (RenewedAt is { } renewed ? $", last renewed {Rfc3339(renewed)}" : string.Empty) +
        $"; it expires {Rfc3339(ExpiresAt)} unless renewed";

    internal static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The lease could not be read or written (RBAC, a missing namespace, the server failing): the run must not act.</summary>
public sealed record LeaseUnavailable(string Problem) : LeaseAcquisition;

/// <summary>
/// A coordination.k8s.io/v1 Lease held for the duration of a run, so that runs never overlap whatever started them (the
/// CronJob, <c>kubectl create job --from=cronjob/…</c>, the job and cronjob overlays applied together, a laptop): their
/// eviction limits and PodDisruptionBudget headroom would otherwise add up. Acquire before reading the cluster, renew
/// in the background while the run acts, release at the end; a killed run's lease expires
/// <see cref="RunLeaseOptions.Duration"/> after its last renewal. Only the typed get/create/update of the API are used
/// (RBAC: get, create, update on leases in its namespace); every write is conditional on the resourceVersion last read,
/// so two runs racing for the lease get a 409 and exactly one wins. KubernetesClient's <c>LeaseLock</c> is not used:
/// it turns every HTTP error into "false", so a 403 (missing RBAC), a 409 (lost race) and a 503 could not be told apart.
/// Expiry compares the holder's <c>renewTime</c> with this machine's clock, as leader election does; clocks are assumed
/// to agree within <see cref="RunLeaseOptions.Duration"/> − <see cref="RunLeaseOptions.RenewDeadline"/>.
/// </summary>
public sealed class RunLease : IRunLease, IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly RunLeaseOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private V1Lease _lease;
    private DateTimeOffset _renewedAt;
    private Task _renewing = Task.CompletedTask;
    private bool _released;

    private RunLease(IKubernetes client, string identity, RunLeaseOptions options, TimeProvider time, V1Lease lease, DateTimeOffset now, string? previousHolder, DateTimeOffset? previousRenewal)
    {
        _client = client;
        _options = options;
        _time = time;
        _lease = lease;
        _renewedAt = now;
        Identity = identity;
        TakenOverFrom = previousHolder;
        PreviousRenewal = previousRenewal;
    }

    public string Identity { get; }

    public string Namespace => _options.Namespace;

    public string Name => _options.Name;

    /// <summary>The holder of the expired lease this run took over (a run that was killed or stopped renewing); null otherwise.</summary>
    public string? TakenOverFrom { get; }

    /// <summary>When <see cref="TakenOverFrom"/> last renewed the lease.</summary>
    public DateTimeOffset? PreviousRenewal { get; }

    /// <summary><c>taken over from run X, which did not release it (…); its last renewal was at T</c>; null when nothing was taken over.</summary>
    public string? DescribeTakeover() => TakenOverFrom is null ? null
        : $"taken over from run {TakenOverFrom}, which did not release it (it was killed or lost the API server)" +
            (PreviousRenewal is { } renewed ? $"; its last renewal was at {LeaseHeld.Rfc3339(renewed)}" : string.Empty);

    public CancellationToken Lost => _lost.Token;

    public string? LostReason { get; private set; }

    /// <summary>Tries to take the lease (once, with bounded retries of transient failures); never waits for a holder.</summary>
    public static async Task<LeaseAcquisition> AcquireAsync(IKubernetes client, string identity, RunLeaseOptions options, TimeProvider? time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RenewDeadline >= options.Duration || options.RenewInterval >= options.RenewDeadline)
        {
            throw new ArgumentException("RenewInterval < RenewDeadline < Duration is required", nameof(options));
        }

        time ??= TimeProvider.System;
        string where = $"{options.Namespace}/{options.Name}";
        int transientFailures = 0;

        // Each conflict means another run wrote the lease between our read and our write: read again and decide again.
        for (int round = 0; round < 8; round++)
        {
            try
            {
                V1Lease? current = await ReadAsync(client, options, cancellationToken).ConfigureAwait(false);
                DateTimeOffset now = time.GetUtcNow();
                if (current is null)
                {
                    V1Lease created = await CallAsync(options, token => client.CoordinationV1.CreateNamespacedLeaseAsync(
                        NewLease(options, identity, now), options.Namespace, cancellationToken: token), cancellationToken).ConfigureAwait(false);
                    return Acquired(client, identity, options, time, created, now, null, null);
                }

                V1LeaseSpec spec = current.Spec ??= new V1LeaseSpec();
                string? holder = NullIfEmpty(spec.HolderIdentity);
                DateTimeOffset? renewed = Utc(spec.RenewTime ?? spec.AcquireTime);
                DateTimeOffset expires = (renewed ?? DateTimeOffset.MinValue) + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? 0);
                if (holder is not null && holder != identity && expires > now)
                {
                    return new LeaseHeld(options.Namespace, options.Name, holder, Utc(spec.AcquireTime), renewed, expires);
                }

                bool newHolder = holder != identity;
                spec.HolderIdentity = identity;
                spec.LeaseDurationSeconds = (int)Math.Ceiling(options.Duration.TotalSeconds);
                spec.AcquireTime = now.UtcDateTime;
                spec.RenewTime = now.UtcDateTime;
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + (newHolder && holder is not null ? 1 : 0);
                V1Lease taken = await CallAsync(options, token => client.CoordinationV1.ReplaceNamespacedLeaseAsync(
                    current, options.Name, options.Namespace, cancellationToken: token), cancellationToken).ConfigureAwait(false);
                return Acquired(client, identity, options, time, taken, now, newHolder ? holder : null, newHolder && holder is not null ? renewed : null);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
            {
                continue;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return new LeaseUnavailable($"the lease {where} cannot be taken: {Describe(e)}. The run needs get, create and update on " +
                    $"leases (coordination.k8s.io) in namespace {options.Namespace} (deploy/base grants them in the job's namespace; --lease-namespace picks another)");
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (++transientFailures >= options.AcquireAttempts)
                {
                    return new LeaseUnavailable($"the lease {where} cannot be taken: {Describe(e)} ({transientFailures} attempts)");
                }

                await Task.Delay(options.RetryInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e)
            {
                return new LeaseUnavailable($"the lease {where} cannot be taken: {Describe(e)}");
            }
        }

        return new LeaseUnavailable($"the lease {where} cannot be taken: it kept changing while this run tried to take it");
    }

    /// <summary>
    /// Stops renewing and gives the lease up (holder cleared, as client-go releases a lease) so the next run need not wait
    /// for it to expire. Returns a problem to report when it could not be released: it then expires by itself.
    /// </summary>
    public async Task<string?> ReleaseAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_released)
            {
                return null;
            }

            _released = true;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        if (LostReason is not null)
        {
            return null; // another run may hold it now: nothing of ours to release
        }

        V1Lease? lease = _lease;
        for (int attempt = 0; ; attempt++)
        {
            DateTimeOffset now = _time.GetUtcNow();
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.AcquireTime = now.UtcDateTime;
            lease.Spec.RenewTime = now.UtcDateTime;
            V1Lease releasing = lease;
            try
            {
                _lease = await CallAsync(_options, token => _client.CoordinationV1.ReplaceNamespacedLeaseAsync(releasing, Name, Namespace, cancellationToken: token), cancellationToken)
                    .ConfigureAwait(false);
                return null;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 2)
            {
                // A renewal cut short by the release may have been applied: read the lease back and release what is ours.
                try
                {
                    lease = await ReadAsync(_client, _options, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception read) when (read is HttpOperationException || IsTransient(read))
                {
                    return NotReleased(read);
                }

                if (lease?.Spec?.HolderIdentity != Identity)
                {
                    return null; // not ours any more: nothing to release
                }
            }
            catch (Exception e) when (e is HttpOperationException || IsTransient(e))
            {
                return NotReleased(e);
            }
        }
    }

    private string NotReleased(Exception e) =>
        $"the lease {Namespace}/{Name} could not be released ({Describe(e)}); it expires by itself at {LeaseHeld.Rfc3339(_renewedAt + _options.Duration)}";

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync().ConfigureAwait(false);
        _stop.Dispose();
        _lost.Dispose();
    }

    private static LeaseAcquired Acquired(IKubernetes client, string identity, RunLeaseOptions options, TimeProvider time, V1Lease lease, DateTimeOffset now,
        string? previousHolder, DateTimeOffset? previousRenewal)
    {
        var held = new RunLease(client, identity, options, time, lease, now, previousHolder, previousRenewal);
        held._renewing = Task.Run(held.RenewAsync);
        return new LeaseAcquired(held);
    }

    /// <summary>Renews every <see cref="RunLeaseOptions.RenewInterval"/> until released; gives up (lost) as described on the options.</summary>
    private async Task RenewAsync()
    {
        string? lastProblem = null;
        while (true)
        {
            try
            {
                await Task.Delay(lastProblem is null ? _options.RenewInterval : _options.RetryInterval, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            V1Lease lease = _lease;
            lease.Spec.RenewTime = now.UtcDateTime;
            try
            {
                _lease = await CallAsync(_options, token => _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, Name, Namespace, cancellationToken: token), _stop.Token)
                    .ConfigureAwait(false);
                _renewedAt = now;
                lastProblem = null;
                continue;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // Someone wrote the lease: if it is still ours (an edit of its labels, say) carry on from the new version.
                try
                {
                    V1Lease? current = await ReadAsync(_client, _options, _stop.Token).ConfigureAwait(false);
                    if (current?.Spec?.HolderIdentity != Identity)
                    {
                        Lose(current is null ? "the lease was deleted" : $"the lease was taken over by {current.Spec?.HolderIdentity ?? "nobody (released)"}");
                        return;
                    }

                    _lease = current;
                    lastProblem = "the lease changed";
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception read) when (read is HttpOperationException || IsTransient(read))
                {
                    lastProblem = Describe(read);
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                Lose("the lease was deleted");
                return;
            }
            catch (Exception e) when (e is HttpOperationException || IsTransient(e))
            {
                lastProblem = Describe(e);
            }

            if (lastProblem is not null && _time.GetUtcNow() - _renewedAt >= _options.RenewDeadline)
            {
                Lose($"it could not be renewed for {(_time.GetUtcNow() - _renewedAt).TotalSeconds:0} s (last error: {lastProblem}); " +
                    $"another run may take it over from {LeaseHeld.Rfc3339(_renewedAt + _options.Duration)}");
                return;
            }
        }
    }

    private void Lose(string reason)
    {
        LostReason = reason;
        _lost.Cancel();
    }

    private static V1Lease NewLease(RunLeaseOptions options, string identity, DateTimeOffset now) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = options.Name,
            NamespaceProperty = options.Namespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "rebalancer" },
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = (int)Math.Ceiling(options.Duration.TotalSeconds),
            AcquireTime = now.UtcDateTime,
            RenewTime = now.UtcDateTime,
            LeaseTransitions = 0,
        },
    };

    private static async Task<V1Lease?> ReadAsync(IKubernetes client, RunLeaseOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(options, token => client.CoordinationV1.ReadNamespacedLeaseAsync(options.Name, options.Namespace, cancellationToken: token), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>One request with its own timeout; a timeout surfaces as <see cref="TimeoutException"/>, cancellation as itself.</summary>
    private static async Task<T> CallAsync<T>(RunLeaseOptions options, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            return await call(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"no answer within {options.RequestTimeout.TotalSeconds:0.###} s"));
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        HttpOperationException http => (int)http.Response.StatusCode is 429 or 408 or >= 500,
        TimeoutException or HttpRequestException or IOException => true,
        _ => false,
    };

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException http => ApiStatus.Parse(http.Response.Content).Describe((int)http.Response.StatusCode),
        HttpRequestException transport => KubernetesConnection.TransportMessage(transport),
        _ => e.Message,
    };

    private static DateTimeOffset? Utc(DateTime? time) =>
        time is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t, DateTimeKind.Utc)) : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
