#!/usr/bin/env bash
# Runs AquaML's benchmarks and the PyTorch reference one after the other on
# this machine and prints the ratios quoted in BENCHMARKS.md. Run it on a
# quiet machine: nothing else should be using the CPU.
#   usage: compare.sh [engine|serve|all]     (default all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
shared=${SHARED:-$root/../shared}
val=${VAL:-$shared/datasets/fish4knowledge/val}
py=${PYTHON:-/usr/bin/python3}
out=${OUT:-$(mktemp -d)}
what=${1:-all}
cd "$root"
go build -o "$out/aquaml" .
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3)"
echo "results in $out"

val_of() { grep -o "$2 *[0-9.]* $1" "$3" | head -n1 | awk '{print $(NF-1)}'; }

engine() {
  echo; echo "== Go engine benchmarks"
  go test -run '^$' -bench 'BenchmarkPredictor|BenchmarkTrainerStep' -benchmem -benchtime 3s ./platform/inference/nn | tee "$out/nn.txt"
  go test -run '^$' -bench 'BenchmarkEngine' -benchmem -benchtime 3s ./platform/inference | tee "$out/engine.txt"
  echo; echo "== PyTorch reference (same networks, 2 threads)"
  (cd "$here" && $py speed.py fishnet 64 2 && $py speed.py smallcnn 64 2) 2>/dev/null | tee "$out/torch.txt"
  echo; echo "== A folder end to end: $val"
  "$out/aquaml" eval --data "$val" --json > "$out/eval.json"
  (cd "$here" && $py eval_speed.py "$val" fishnet 64 && $py eval_speed.py "$val" smallcnn 64) 2>/dev/null | tee "$out/torch_eval.txt"
  $py - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
go = open(f"{out}/nn.txt").read() + open(f"{out}/engine.txt").read()
torch = open(f"{out}/torch.txt").read()
def gof(pat):
    m = re.search(pat + r"\S*\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) img/s", go)
    return float(m.group(1)) / 1e6, float(m.group(2))
def tf(arch, kind, bs):
    m = re.search(rf"{arch}64 {kind} batch={bs}: median ([\d.]+) ms, (\d+) img/s", torch)
    return float(m.group(1)), float(m.group(2))
print("\n== Ratios (AquaML / PyTorch; latency: PyTorch / AquaML, so > 1 means AquaML is faster)")
for arch in ("fishnet", "smallcnn"):
    b1, _ = gof(f"BenchmarkPredictor/{arch}64/batch=1")
    _, b32 = gof(f"BenchmarkPredictor/{arch}64/batch=32")
    _, tr = gof(f"BenchmarkTrainerStep/{arch}64/batch=32")
    tb1, _ = tf(arch, "infer", 1); _, tb32 = tf(arch, "infer", 32); _, ttr = tf(arch, "train", 32)
    print(f"{arch:9s} batch-1 latency {b1:.2f} ms vs {tb1:.2f} ms ({tb1/b1:.2f}x) | batch-32 {b32:.0f} vs {tb32:.0f} img/s ({b32/tb32:.2f}x) | training {tr:.0f} vs {ttr:.0f} img/s ({tr/ttr:.2f}x)")
    line = re.search(rf"BenchmarkEngineParallel/{arch}64/callers=32.*", go)
    if line:
        ips = float(re.search(r"([\d.]+) img/s", line.group(0)).group(1))
        p95 = re.search(r"([\d.]+) p95-ms", line.group(0)).group(1)
        print(f"{'':9s} 32 single-image callers: {ips:.0f} img/s = {ips/b32:.2f}x the raw batch-32 rate, p95 {p95} ms")
ev = json.load(open(f"{out}/eval.json"))
te = open(f"{out}/torch_eval.txt").read()
for arch in ("fishnet", "smallcnn"):
    m = re.search(rf"torch {arch}64 images (\d+) seconds [\d.]+ ips ([\d.]+)", te)
    print(f"eval end to end: aquaml {ev['images_per_second']:.0f} img/s (bundled model, accuracy {ev['accuracy']:.4f}, macro-F1 {ev['macro_f1']:.4f}) vs PyTorch {arch} {float(m.group(2)):.0f} img/s ({ev['images_per_second']/float(m.group(2)):.2f}x)")
PY
}

serve() {
  "$here/serve_compare.sh" "$out" "$val"
}

case "$what" in
  engine) engine ;;
  serve) serve ;;
  all) engine; serve ;;
  *) echo "usage: $0 [engine|serve|all]" >&2; exit 2 ;;
esac
