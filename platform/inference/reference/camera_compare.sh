#!/usr/bin/env bash
# Camera-size photos side by side: `aquaml eval` on a folder of JPEG frames
# against PIL with Image.draft() (libjpeg's DCT-domain 1/2-1/8 scaling) +
# PyTorch on the same network (VGGBN6, the bundled model's shape), batch 32,
# 2 threads, with each one's peak resident memory (GNU time).
#   usage: camera_compare.sh FRAMES_DIR [OUT_DIR]
# Make the frames from the shared val split, e.g. 1920x1080 at quality 90:
#   python3 make_frames.py VAL OUT 1920 1080 600   (see BENCHMARKS.md)
set -euo pipefail
frames=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bench=${BENCH:-$root/../shared/bench}
py=${PYTHON:-/usr/bin/python3}
out=${2:-$(mktemp -d)}
cd "$root" && go build -o "$out/aquaml" .
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3)"
peak() { awk -F: '/Maximum resident/ {print int($2/1024) " MB"}' "$1"; }
for run in 1 2; do
  /usr/bin/time -v "$out/aquaml" eval --data "$frames" --json >"$out/aq.json" 2>"$out/aq.time"
  $py -c "import json; r=json.load(open('$out/aq.json')); print('aquaml eval: %.1f img/s over %d photos' % (r['images_per_second'], r['total']))"
  echo "  peak RSS $(peak "$out/aq.time")"
  (cd "$bench" && /usr/bin/time -v $py eval_draft.py "$frames" 64 vggbn6) >"$out/pil.txt" 2>"$out/pil.time"
  echo "PIL draft() + PyTorch: $(cat "$out/pil.txt")"
  echo "  peak RSS $(peak "$out/pil.time")"
done
