#!/usr/bin/env bash
# Kill-loop check: a training run killed with SIGKILL at random instants and resumed each time
# must end with the uninterrupted run's bytes (weights, optimiser state, loss history) and leave
# no temporary folders behind.
#
#   [ITERS=150] scripts/kill-loop.sh [KILLS] [WORK_DIR]   (defaults: 150 iterations, 30 kills, a fresh temp folder)
#
# Prints one line per kill and a verdict; exits non-zero when the bytes differ or temporaries remain.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kills="${1:-30}"
work="${2:-$(mktemp -d /tmp/diffuda-kill-loop.XXXXXX)}"
mkdir -p "$work"
# build once, then run a private copy of the jar (edits to the tree during the loop do not matter)
(cd "$here" && ./mvnw -q -B package -DskipTests)
cp "$here/target/diffuda.jar" "$work/diffuda.jar"
diffuda=(java -Xmx2g -XX:MaxDirectMemorySize=2g -Dai.djl.offline=true -jar "$work/diffuda.jar")

"${diffuda[@]}" benchmark make --out "$work/bench" --size 32x64 --sim-train 16 --real-train 2 --real-val 4 \
  --condition-train 1 --condition-val 1 --prior-scenes 1 --prior-objects 1 > /dev/null
args=(train-seg --data "$work/bench/sim/train" --val "$work/bench/real/val" --iters "${ITERS:-150}" --batch 2 --crop 32x64
      --width 8 --checkpoint-every 1 --seed 3)

start=$(date +%s%N)
"${diffuda[@]}" "${args[@]}" --out "$work/straight" > /dev/null 2>&1
span_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "uninterrupted run: ${span_ms} ms"

done_runs=0
for i in $(seq 1 "$kills"); do
  "${diffuda[@]}" "${args[@]}" --out "$work/killed" --resume > "$work/last.log" 2>&1 &
  pid=$!
  delay_ms=$(( (RANDOM * 32768 + RANDOM) % (span_ms + 1) ))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    echo "kill $i: SIGKILL after ${delay_ms} ms"
  else
    wait "$pid" && done_runs=$((done_runs + 1)) || { echo "kill $i: the run failed on its own:"; cat "$work/last.log"; exit 1; }
    echo "kill $i: the run had already finished (${delay_ms} ms)"
  fi
done
# finish whatever is left, uninterrupted
"${diffuda[@]}" "${args[@]}" --out "$work/killed" --resume > "$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }

status=0
for f in checkpoint/model.safetensors checkpoint/optimizer.safetensors checkpoint/state.json checkpoint/config.json \
         model/model.safetensors; do
  a=$(sha256sum "$work/straight/$f" | cut -d' ' -f1)
  b=$(sha256sum "$work/killed/$f" | cut -d' ' -f1)
  if [ "$a" = "$b" ]; then echo "same bytes: $f"; else echo "DIFFERENT: $f"; status=1; fi
done
left=$(find "$work/killed" -name '.*.tmp-*' -o -name '.*.old-*' | wc -l)
echo "temporary folders left: $left"
[ "$left" = 0 ] || status=1
if [ "$status" = 0 ]; then
  echo "kill-loop: PASS ($kills kills, $done_runs runs finished before their kill)"
else
  echo "kill-loop: FAIL (work folder kept: $work)"
fi
exit "$status"
