#!/usr/bin/env bash
# Serving side by side: GET /health with wrk, POST /api/v1/classify with
# `aquaml loadtest` at concurrency 8 over every photo of the val split (so the
# cache cannot help), the cached case, the server's memory over 10,000
# classifications, then the same loads against FastAPI + PyTorch (serve.py,
# same network, 2 uvicorn workers). Called by compare.sh.
#   usage: serve_compare.sh OUT_DIR VAL_DIR
set -euo pipefail
out=$1 val=$2
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-/usr/bin/python3}
port=18080 tport=18000 dur=${DURATION:-30s}
aq="$out/aquaml"

wait_up() { for _ in $(seq 1 200); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
# cpu_s prints the CPU seconds (user + system) used so far by the processes
# given and their children that are still running (uvicorn's workers): on a
# machine shared with other work, CPU per request stays comparable when
# requests per second do not.
cpu_s() {
  local ticks=0 p
  for p in "$@" $(for q in "$@"; do pgrep -P "$q"; done); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}'
}
# per_request prints CPU ms per request of a loadtest's JSON, given the CPU
# seconds before and after.
per_request() { $py -c 'import json,sys; r=json.load(open(sys.argv[1]))["requests"]; print("%.2f" % ((float(sys.argv[3])-float(sys.argv[2]))*1000/r))' "$@"; }
# wrk_rps warms the server up for 3 s, then reports the median of three
# 8-second runs: a VM's neighbours make single runs swing by 20%.
wrk_rps() {
  wrk -t2 -c8 -d3s "$1" >/dev/null
  for _ in 1 2 3; do wrk -t2 -c8 -d8s "$1" | awk '/Requests\/sec/ {print $2}'; done | sort -n | sed -n 2p
}

start_aquaml() {
  rm -rf "$out/srv"; mkdir -p "$out/srv"
  (cd "$out/srv" && exec env CLASSIFY_CACHE_TTL="$1" RATE_LIMIT_PER_MINUTE=0 LOG_LEVEL=WARNING API_PORT=$port \
     BCRYPT_COST=4 "$aq" serve --worker=false >"$out/srv/log" 2>&1) &
  pid=$!
  wait_up "http://127.0.0.1:$port/ready"
  curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"bench@aquaml.test","username":"bench","password":"bench-password"}' >/dev/null
  token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -d 'username=bench&password=bench-password' |
    $py -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }
one_image=$(find "$val" -type f | sort | sed -n 1p)

echo; echo "== AquaML: GET /health"
start_aquaml 0
aq_health=$(wrk_rps "http://127.0.0.1:$port/health"); echo "aquaml /health: $aq_health req/s"
echo; echo "== AquaML: POST /api/v1/classify, distinct photos, concurrency 8, cache off"
rss0=$(rss $pid)
c0=$(cpu_s $pid)
"$aq" loadtest --url "http://127.0.0.1:$port/api/v1/classify" --images "$val" --token "$token" -c 8 -d "$dur" --json | tee "$out/aq_classify.json"
aq_cpu=$(per_request "$out/aq_classify.json" "$c0" "$(cpu_s $pid)"); echo "aquaml CPU per classification: $aq_cpu ms"
echo; echo "== AquaML: memory over 10,000 more classifications (RSS in MB every 2,000)"
samples="$rss0"
for _ in 1 2 3 4 5; do
  "$aq" loadtest --url "http://127.0.0.1:$port/api/v1/classify" --images "$val" --token "$token" -c 8 -n 2000 -d 10m --json >/dev/null
  samples="$samples $(rss $pid)"
done
echo "rss MB: $samples"
stop $pid
echo; echo "== AquaML: the same photo again and again (cache on)"
start_aquaml 1h
"$aq" loadtest --url "http://127.0.0.1:$port/api/v1/classify" --image "$one_image" --token "$token" -c 8 -d 15s --json | tee "$out/aq_cached.json"
stop $pid

start_uvicorn() {
  (cd "$here" && exec env ARCH=fishnet SIZE=64 $py -m uvicorn serve:app --port $tport --workers 2 --http httptools \
     --loop uvloop "$@" >"$out/uvicorn.log" 2>&1) &
  upid=$!
  wait_up "http://127.0.0.1:$tport/health"
  sleep 2
}
stop_uvicorn() { pkill -P $upid 2>/dev/null || true; stop $upid; }

echo; echo "== FastAPI + PyTorch (serve.py, fishnet, 2 workers), started as the reference README starts it"
start_uvicorn
fa_health=$(wrk_rps "http://127.0.0.1:$tport/health"); echo "fastapi /health: $fa_health req/s"
c0=$(cpu_s $upid)
"$aq" loadtest --url "http://127.0.0.1:$tport/api/v1/classify" --images "$val" -c 8 -d "$dur" --json | tee "$out/fa_classify.json"
fa_cpu=$(per_request "$out/fa_classify.json" "$c0" "$(cpu_s $upid)"); echo "fastapi CPU per classification: $fa_cpu ms"
stop_uvicorn
echo; echo "== FastAPI without its access log (--no-access-log)"
start_uvicorn --no-access-log
fa_health_quiet=$(wrk_rps "http://127.0.0.1:$tport/health"); echo "fastapi /health, no access log: $fa_health_quiet req/s"
c0=$(cpu_s $upid)
"$aq" loadtest --url "http://127.0.0.1:$tport/api/v1/classify" --images "$val" -c 8 -d "$dur" --json | tee "$out/fa_classify_quiet.json"
faq_cpu=$(per_request "$out/fa_classify_quiet.json" "$c0" "$(cpu_s $upid)"); echo "fastapi CPU per classification, no access log: $faq_cpu ms"
stop_uvicorn

$py - "$out" "$aq_health" "$fa_health" "$fa_health_quiet" "$samples" "$aq_cpu" "$fa_cpu" "$faq_cpu" <<'PY'
import json, sys
out, aqh, fah, faq, samples = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
aqc, fac, faqc_cpu = (float(v) for v in sys.argv[6:9])
aq, fa, faqc, cached = (json.load(open(f"{out}/{n}.json")) for n in ("aq_classify", "fa_classify", "fa_classify_quiet", "aq_cached"))
print("\n== Serving ratios (AquaML / FastAPI + PyTorch)")
print(f"GET /health: {aqh:.0f} vs {fah:.0f} req/s ({aqh/fah:.2f}x); vs FastAPI without access log {faq:.0f} ({aqh/faq:.2f}x)")
for name, f in (("as documented", fa), ("without access log", faqc)):
    print(f"POST /classify, c=8, distinct photos, FastAPI {name}: {aq['requests_per_second']:.0f} vs {f['requests_per_second']:.0f} req/s "
          f"({aq['requests_per_second']/f['requests_per_second']:.2f}x); p95 {aq['p95_ms']:.1f} vs {f['p95_ms']:.1f} ms; "
          f"errors {aq['errors']} vs {f['errors']}")
print(f"POST /classify, CPU per classification (server processes): {aqc:.2f} vs {fac:.2f} ms ({fac/aqc:.2f}x), "
      f"without access log {faqc_cpu:.2f} ms ({faqc_cpu/aqc:.2f}x)")
print(f"POST /classify, cached: {cached['requests_per_second']:.0f} req/s, p95 {cached['p95_ms']:.1f} ms, errors {cached['errors']}")
print(f"AquaML resident set (MB) at start of load and after each 2,000 of 10,000 classifications: {samples}")
PY
