#!/usr/bin/env bash
# Kill-loop check: a run killed with SIGKILL at random instants and resumed each time must end with
# the uninterrupted run's bytes and leave no temporary folders behind.
#
#   [RUN=train-seg|finetune|adapt-zodi|...] [ITERS=N] scripts/kill-loop.sh [KILLS] [WORK_DIR]
#
# RUN=train-seg (default; ITERS 150): one training run; compared: weights, optimiser state, loss
# history, configuration. RUN=finetune (ITERS 600): the shipped prior's U-Net fine-tuned on two
# crops of each of 40 images (latents encoded anew by every resumed run; a checkpoint every 250
# iterations). RUN=adapt-zodi (ITERS 40): the whole ZoDi method on a 24-image source —
# transfer, the layout judge's transfers and samples from noise, source-only and ZoDi for two seeds,
# evaluation, report (about 30 s uninterrupted, with the shipped prior and ControlNet).
# RUN=adapt-datum / adapt-unet-swap / adapt-cicld / adapt-sgg-ptl / adapt-daformer (ITERS 30): the
# whole method on a 16-image source with its shipped models, checkpoints every 5 iterations
# (DreamBooth 10 steps and 8 generated images; 8 generated pairs; CICLD's three rows; SGG+PTL's two
# stages of 8 translated images). For the methods, compared: every file the run writes but hidden
# ones (locks, caches) and HTML reports, each JSON file without its wall-clock fields (keys ending
# in "seconds"); the same for finetune.
# Both runs write to the same path (the uninterrupted one is moved aside), so paths recorded in
# the outputs agree. Prints one line per kill and a verdict; exits non-zero when bytes differ or
# temporaries remain.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kills="${1:-30}"
work="${2:-$(mktemp -d /tmp/diffuda-kill-loop.XXXXXX)}"
mkdir -p "$work" && work="$(cd "$work" && pwd)"
# build once, then run a private copy of the jar (edits to the tree during the loop do not matter)
(cd "$here" && ./mvnw -q -B package -DskipTests)
cp "$here/target/diffuda.jar" "$work/diffuda.jar"
diffuda=(java -Xmx2g -XX:MaxDirectMemorySize=2g -Dai.djl.offline=true -jar "$work/diffuda.jar")
cd "$here"   # the methods' defaults name the shipped models/ by relative path; every output goes under $work

run="${RUN:-train-seg}"
case "$run" in
  train-seg)
    "${diffuda[@]}" benchmark make --out "$work/bench" --size 32x64 --sim-train 16 --real-train 2 --real-val 4 \
      --condition-train 1 --condition-val 1 --prior-scenes 1 --prior-objects 1 > /dev/null
    args=(train-seg --data "$work/bench/sim/train" --val "$work/bench/real/val" --iters "${ITERS:-150}" --batch 2 --crop 32x64
          --width 8 --checkpoint-every 1 --seed 3) ;;
  finetune)
    "${diffuda[@]}" benchmark make --out "$work/bench" --sim-train 1 --real-train 40 --real-val 2 \
      --condition-train 1 --condition-val 1 --prior-scenes 1 --prior-objects 1 > /dev/null
    args=(finetune --threads 2 --data "$work/bench/real/train" --prompt "a street" --crops 2 --iters "${ITERS:-600}" --batch 2) ;;
  adapt-zodi)
    "${diffuda[@]}" benchmark make --out "$work/bench" --sim-train 1 --real-train 24 --real-val 2 \
      --condition-train 4 --condition-val 4 --prior-scenes 1 --prior-objects 1 > /dev/null
    args=(adapt zodi --threads 2 --data "$work/bench" --target-condition rain --iters "${ITERS:-40}" --seeds 0,1 --judge-images 4
          --checkpoint-every 5) ;;
  adapt-datum|adapt-unet-swap|adapt-cicld|adapt-sgg-ptl|adapt-daformer)
    "${diffuda[@]}" benchmark make --out "$work/bench" --sim-train 16 --real-train 8 --real-val 4 \
      --condition-train 1 --condition-val 1 --prior-scenes 1 --prior-objects 1 > /dev/null
    case "$run" in
      adapt-datum) args=(adapt datum --steps 10 --count 8 --judge-samples 0) ;;
      adapt-unet-swap) args=(adapt unet-swap --count 8 --align-images 4) ;;
      adapt-cicld) args=(adapt cicld) ;;
      adapt-sgg-ptl) args=(adapt sgg-ptl --finetune-iters 10 --images 8 --steps 20 --stage-stride 10 --step-stride 5) ;;
      adapt-daformer) args=(adapt daformer) ;;
    esac
    args+=(--threads 2 --data "$work/bench" --iters "${ITERS:-30}" --checkpoint-every 5) ;;
  *) echo "RUN=$run: expected train-seg, finetune, adapt-zodi, adapt-datum, adapt-unet-swap, adapt-cicld, adapt-sgg-ptl or adapt-daformer" >&2; exit 2 ;;
esac

start=$(date +%s%N)
"${diffuda[@]}" "${args[@]}" --out "$work/killed" --resume > /dev/null 2>&1   # --resume on an empty folder starts fresh: the same command line as every resumed run
mv "$work/killed" "$work/straight"
span_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# each kill lands at a random instant of a window short enough that most kills hit a running
# process (a run that finishes before its kill leaves nothing for the later ones to interrupt):
# about three kills' share of the work plus the JVM's start; a kill after which the folder did not
# change (the run was still starting, or inside one long unit of work such as a batch of images)
# widens the window by half for the next one, up to the whole run, so that every stage is reached.
# KILL_WINDOW_MS sets the first window.
base_ms=${KILL_WINDOW_MS:-$(( span_ms * 3 / kills + 2000 ))}
[ "$base_ms" -le "$span_ms" ] || base_ms=$span_ms
window_ms=$base_ms
echo "uninterrupted run: ${span_ms} ms; kills at random instants of the first ${base_ms} ms (or more) of each resumed run"

state() { { find "$work/killed" -type f -printf '%P %s\n' 2>/dev/null || true; } | sort | sha256sum; }
done_runs=0
for i in $(seq 1 "$kills"); do
  before=$(state)
  "${diffuda[@]}" "${args[@]}" --out "$work/killed" --resume > "$work/last.log" 2>&1 &
  pid=$!
  delay_ms=$(( (RANDOM * 32768 + RANDOM) % (window_ms + 1) ))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    at=$(tr '\r' '\n' < "$work/last.log" | grep -v '^[[:space:]]*$' | tail -1 | cut -c1-90 || true)
    echo "kill $i: SIGKILL after ${delay_ms} ms${at:+, during: $at}"
    if [ "$(state)" = "$before" ]; then
      window_ms=$(( window_ms * 3 / 2 )); [ "$window_ms" -le "$span_ms" ] || window_ms=$span_ms
    else
      window_ms=$base_ms
    fi
  else
    wait "$pid" && done_runs=$((done_runs + 1)) || { echo "kill $i: the run failed on its own:"; cat "$work/last.log"; exit 1; }
    echo "kill $i: the run had already finished (${delay_ms} ms)"
  fi
done
# finish whatever is left, uninterrupted
"${diffuda[@]}" "${args[@]}" --out "$work/killed" --resume > "$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }

# a file's bytes, but for wall-clock times, the one thing two runs may differ in: a JSON file's
# lines of a key ending in "seconds" ("seconds", "seconds_per_seed", "translateSeconds", ...)
digest() {
  case "$1" in
    *.json) grep -v -i -E 'seconds[a-z_]*" *:' "$1" | sha256sum | cut -d' ' -f1 ;;
    *) sha256sum "$1" | cut -d' ' -f1 ;;
  esac
}
status=0
if [ "$run" = train-seg ]; then  # the files of one training run
  files="checkpoint/model.safetensors checkpoint/optimizer.safetensors checkpoint/state.json checkpoint/config.json model/model.safetensors"
else
  # every file but hidden ones (locks; caches keyed by file times, the class statistics) and the HTML
  # reports (drawn from the compared JSON, with wall times in their prose and tables)
  files=$(cd "$work/straight" && find . -type f ! -name '.*' ! -name '*.html' | sed 's|^\./||' | sort)
  extra=$(cd "$work/killed" && find . -type f ! -name '.*' ! -name '*.html' | sed 's|^\./||' | sort | comm -13 <(echo "$files") -)
  [ -z "$extra" ] || { echo "DIFFERENT: files only in the killed run: $extra"; status=1; }
fi
same=0
for f in $files; do
  if [ -f "$work/killed/$f" ] && [ "$(digest "$work/straight/$f")" = "$(digest "$work/killed/$f")" ]; then
    same=$((same + 1)); [ "$run" = train-seg ] && echo "same bytes: $f"
  else
    echo "DIFFERENT: $f"; status=1
  fi
done
echo "same bytes: $same files"
left=$(find "$work/killed" -name '.*.tmp-*' -o -name '.*.old-*' | wc -l)
echo "temporary folders left: $left"
[ "$left" = 0 ] || status=1
if [ "$status" = 0 ]; then
  echo "kill-loop: PASS ($kills kills: $((kills - done_runs)) hit a running process, $done_runs came after it had finished)"
else
  echo "kill-loop: FAIL (work folder kept: $work)"
fi
exit "$status"
