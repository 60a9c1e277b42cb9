namespace Rebalancer.Core.Model.Inventory;

/// <summary>
/// Which pods mount which PersistentVolumeClaims, and which claim is bound to which PersistentVolume, computed once
/// per snapshot (<see cref="ClusterSnapshot.Volumes"/>). A pod's claims are its <c>persistentVolumeClaim</c> volumes and
/// the claims of its generic ephemeral volumes (<see cref="PodTable.PvcClaims"/>); those the snapshot holds are
/// resolved to rows of <see cref="ClusterInventory.PersistentVolumeClaims"/>, the others are left out (see
/// <see cref="PodTable.PvcClaimsOf"/> for the names as written). Pods of every phase count.
/// </summary>
public sealed class VolumeIndex
{
    private readonly int[] _podClaimStart;
    private readonly int[] _podClaims;
    private readonly int[] _claimPodStart;
    private readonly int[] _claimPods;
    private readonly int[] _claimVolume;
    private readonly int[] _volumeClaim;

    internal VolumeIndex(ClusterSnapshot snapshot)
    {
        PodTable pods = snapshot.Pods;
        ClusterInventory inventory = snapshot.Inventory;
        int claimCount = inventory.PersistentVolumeClaims.Count;

        _podClaimStart = new int[pods.Count + 1];
        var podClaims = new List<int>();
        int[] podsPerClaim = new int[claimCount + 1];
        for (int p = 0; p < pods.Count; p++)
        {
            int first = podClaims.Count;
            foreach (int name in pods.PvcClaimsOf(p))
            {
                int claim = inventory.FindClaim(pods.Namespace[p], name);
                // A pod may name one claim in two volumes; it mounts it once.
                if (claim >= 0 && podClaims.IndexOf(claim, first) < 0)
                {
                    podClaims.Add(claim);
                    podsPerClaim[claim + 1]++;
                }
            }

            _podClaimStart[p + 1] = podClaims.Count;
        }

        _podClaims = [.. podClaims];
        for (int c = 0; c < claimCount; c++)
        {
            podsPerClaim[c + 1] += podsPerClaim[c];
        }

        _claimPodStart = podsPerClaim;
        _claimPods = new int[_podClaims.Length];
        int[] fill = podsPerClaim[..^1];
        for (int p = 0; p < pods.Count; p++)
        {
            for (int i = _podClaimStart[p]; i < _podClaimStart[p + 1]; i++)
            {
                _claimPods[fill[_podClaims[i]]++] = p;
            }
        }

        _claimVolume = new int[claimCount];
        for (int c = 0; c < claimCount; c++)
        {
            int volume = inventory.PersistentVolumeClaims[c].VolumeName;
            _claimVolume[c] = volume == 0 ? -1 : inventory.FindVolume(volume);
        }

        _volumeClaim = new int[inventory.PersistentVolumes.Count];
        for (int v = 0; v < _volumeClaim.Length; v++)
        {
            _volumeClaim[v] = -1;
            if (inventory.PersistentVolumes[v].ClaimRef is { } reference)
            {
                int claim = inventory.FindClaim(reference.Namespace, reference.Name);
                int uid = claim >= 0 ? inventory.PersistentVolumeClaims[claim].Meta.Uid : 0;
                // A claimRef to a deleted claim whose name was reused is not a binding to the new claim.
                _volumeClaim[v] = claim >= 0 && (reference.Uid == 0 || uid == 0 || reference.Uid == uid) ? claim : -1;
            }
        }
    }

    /// <summary>The claims (rows) <paramref name="pod"/> mounts, in the pod's volume order.</summary>
    public ReadOnlySpan<int> ClaimsOf(int pod) => _podClaims.AsSpan(_podClaimStart[pod], _podClaimStart[pod + 1] - _podClaimStart[pod]);

    /// <summary>The pods that mount <paramref name="claim"/>, in pod index order; empty for a claim no pod uses.</summary>
    public ReadOnlySpan<int> PodsMounting(int claim) => _claimPods.AsSpan(_claimPodStart[claim], _claimPodStart[claim + 1] - _claimPodStart[claim]);

    /// <summary>The PersistentVolume (row) named by the claim's <c>spec.volumeName</c>, or -1.</summary>
    public int VolumeOf(int claim) => _claimVolume[claim];

    /// <summary>The claim (row) named by the volume's <c>spec.claimRef</c> (uid checked when both have one), or -1.</summary>
    public int ClaimOf(int volume) => _volumeClaim[volume];
}
