#!/usr/bin/env bash
# Scale harness for whole `rebalancer plan` processes (start, load, plan, JSON report): wall time, user and system CPU
# and peak RSS from /usr/bin/time, N runs per cell, medians. Two builds can be compared in the same run (runs
# interleaved, so both see the same machine load); the load average before each run is kept with every sample.
#
#   benchmarks/whole-process.sh [-n RUNS] [-s SIZES] [-p POLICIES] [-f FORMATS] [-g GENERATOR_VERSION] BIN [BASELINE_BIN]
#
#   BIN, BASELINE_BIN  rebalancer executables, e.g. the output of .ci/publish.sh
#   -n RUNS            runs per cell (default 5)
#   -s SIZES           comma-separated pod counts of the BenchmarkData files (default 15000,50000,150000)
#   -p POLICIES        comma-separated names in benchmarks/Rebalancer.Benchmarks/policies (default none,product)
#   -f FORMATS         snapshot formats, comma-separated: json (kubectl's), compact (docs/design/0005; converted from
#                      the JSON file by each build's own `snapshot --from` once per harness run, into its temporary
#                      folder, so two builds of different format versions each read their own) (default json)
#   -g VERSION         the BenchmarkData files of this generator format (synthetic-…-vN.json; default the newest;
#                      1 = without workload/inventory objects, 2 = with them)
#
# The snapshot files come from BenchmarkData's cache (REBALANCER_BENCH_DIR, default /tmp/rebalancer-bench); create them
# with `dotnet run -c Release --project benchmarks/Rebalancer.Benchmarks -- generate --nodes N --pods P --seed 42 -o F`
# or by running any SnapshotLoadBenchmarks once. Raw samples go to stdout as TSV after the summary's header line. The
# load(ms) column is the median of the CLI's own SnapshotLoaded log line (the load alone, without start-up or report).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
sizes=15000,50000,150000
policies=none,product
formats=json
generator=
while getopts "n:s:p:f:g:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) sizes=$OPTARG ;;
    p) policies=$OPTARG ;;
    f) formats=$OPTARG ;;
    g) generator=$OPTARG ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,22p' "$0" >&2; exit 2; }
bins=("$@")
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
dir="${REBALANCER_BENCH_DIR:-/tmp/rebalancer-bench}"

file_for() {
  local pods=$1 format=$2 b=$3 f c
  f=$(ls "$dir"/synthetic-"${pods}"p-*n-s42-v${generator:-*}.json 2>/dev/null | sort -V | tail -1)
  [[ -n "$f" ]] || { echo "no snapshot for $pods pods in $dir (see the header of $0)" >&2; exit 2; }
  if [[ "$format" == compact ]]; then
    # Converted once per harness run by each build itself, so each file has that build's format version.
    c="$out/$(basename "${f%.json}").b$b.rbsnap"
    [[ -f "$c" ]] || "${bins[$b]}" snapshot --from "$f" --format compact -o "$c" >/dev/null 2>&1 \
      || { echo "${bins[$b]} snapshot --from $f --format compact failed" >&2; exit 2; }
    f=$c
  fi
  echo "$f"
}

samples=$(mktemp)
out=$(mktemp -d)
trap 'rm -rf "$out" "$samples"' EXIT

for format in ${formats//,/ }; do
for pods in ${sizes//,/ }; do
  files=()
  for b in "${!bins[@]}"; do files[$b]=$(file_for "$pods" "$format" "$b"); done
  for policy in ${policies//,/ }; do
    for ((i = 1; i <= runs; i++)); do
      for b in "${!bins[@]}"; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        stderr=$(/usr/bin/time -f "%x %e %U %S %M" "${bins[$b]}" plan --snapshot "${files[$b]}" \
          --policy "benchmarks/Rebalancer.Benchmarks/policies/$policy.yaml" --output json --out "$out/plan.json" \
          2>&1 >/dev/null)
        stats=$(tail -1 <<<"$stderr")
        [[ "${stats%% *}" == 0 ]] || { echo "${bins[$b]} failed on ${files[$b]} with $policy: $stats" >&2; exit 1; }
        stats=${stats#* }
        loadms=$(sed -n 's/.*Loaded .* bytes in \([0-9]*\) ms.*/\1/p' <<<"$stderr" | head -1)
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$b" "$pods" "$format/$policy" "$i" "$load" "${stats// /$'\t'}" "${loadms:-NA}" >>"$samples"
      done
    done
  done
done
done

# Summary: medians per build, size and policy.
printf 'build\tpods\tformat/policy\truns\tload(min-max)\twall(s)\tuser(s)\tsys(s)\tpeakRSS(MiB)\tload(ms)\n'
sort -t$'\t' -k1,1n -k2,2n -k3,3 "$samples" | awk -F'\t' '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function flush() {
    if (key == "") return
    printf "%s\t%s\t%s\t%d\t%s-%s\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\n", b, p, pol, n, lmin, lmax, median(w), median(u), median(s), median(m) / 1024, median(ms)
  }
  { k = $1 FS $2 FS $3
    if (k != key) { flush(); key = k; b = $1; p = $2; pol = $3; n = 0; w = u = s = m = ms = ""; lmin = lmax = $5 }
    n++; w = w " " $6; u = u " " $7; s = s " " $8; m = m " " $9; ms = ms " " $10
    if ($5 + 0 < lmin + 0) lmin = $5; if ($5 + 0 > lmax + 0) lmax = $5 }
  END { flush() }'
echo
echo "# samples: build pods format/policy run load wall user sys peakKB load-ms"
cat "$samples"
