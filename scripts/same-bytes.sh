#!/usr/bin/env bash
# Every command that trains, run twice with the same options in two processes, must write the
# same bytes (weights, optimiser state, EMA, loss history). Short settings; a few minutes.
#
#   scripts/same-bytes.sh [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/diffuda-same-bytes.XXXXXX)}"
mkdir -p "$work"
(cd "$here" && ./mvnw -q -B package -DskipTests)
cp "$here/target/diffuda.jar" "$work/diffuda.jar"
diffuda=(java -Xmx4g -XX:MaxDirectMemorySize=4g -Dai.djl.offline=true -jar "$work/diffuda.jar")
cd "$here"   # the shipped models/ are found relative to the tree

"${diffuda[@]}" benchmark make --out "$work/bench" --size 32x64 --sim-train 16 --real-train 16 --real-val 4 \
  --condition-train 2 --condition-val 2 --prior-scenes 16 --prior-objects 8 > /dev/null
seg=(--batch 2 --crop 32x64 --width 8)
for k in a b; do
  o="$work/$k"
  "${diffuda[@]}" train-seg --data "$work/bench/sim/train" --out "$o/train-seg" --iters 20 "${seg[@]}" > /dev/null 2>&1
  "${diffuda[@]}" diffusion train --data "$work/bench/real/train" --out "$o/ddpm" --iters 10 --size 16x32 > /dev/null 2>&1
  "${diffuda[@]}" prior train --data "$work/bench/prior" --out "$o/prior" --vae-iters 5 --iters 5 > /dev/null 2>&1
  "${diffuda[@]}" controlnet train --pipeline models/prior --data "$work/bench/real/train" --iters 3 --batch 2 \
    --out "$o/controlnet" > /dev/null 2>&1
  "${diffuda[@]}" finetune --pipeline models/prior --data "$work/bench/real/train" --prompt "a photo of a street" \
    --iters 3 --batch 2 --out "$o/finetune" > /dev/null 2>&1
  "${diffuda[@]}" adapt sgg-ptl --data "$work/bench" --denoiser "$o/ddpm" --translate-size 16x32 --iters 20 "${seg[@]}" \
    --steps 20 --stage-stride 10 --step-stride 5 --images 4 --finetune-iters 5 --out "$o/sgg-ptl" > /dev/null 2>&1
done
status=0
cd "$work/a"
while IFS= read -r f; do
  if cmp -s "$work/a/$f" "$work/b/$f"; then echo "same bytes: $f"; else echo "DIFFERENT: $f"; status=1; fi
done < <(find . -type f \( -name '*.safetensors' -o -name 'state.json' -o -path '*translated/images/*.png' \) | sort)
[ "$status" = 0 ] && echo "same-bytes: PASS" || echo "same-bytes: FAIL (kept: $work)"
exit "$status"
