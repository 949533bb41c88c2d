#!/usr/bin/env bash
# Throws broken files and options at the CLI. Every case must end with a non-zero exit, exactly
# one line on stderr naming the file or option at fault, and no output folder left behind.
# Usage: scripts/bad-input.sh   (builds the jar through bin/diffuda if needed; ~1 min)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
D="$here/bin/diffuda"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DIFFUDA_JAVA_OPTS="${DIFFUDA_JAVA_OPTS:--Xmx2g -XX:MaxDirectMemorySize=2g}"

"$D" benchmark make --out "$work/b" --size 32x64 --sim-train 4 --real-train 4 --real-val 2 --condition-train 2 \
  --condition-val 2 --prior-scenes 4 --prior-objects 2 > /dev/null 2> "$work/make.err" || { cat "$work/make.err"; exit 1; }
sim="$work/b/sim/train"

# a copy of a good dataset with one file broken by $2 (a shell snippet run on file $1)
broken() { # NAME FILE-IN-DATASET SNIPPET
  rm -rf "$work/$1"; cp -r "$sim" "$work/$1"; local f="$work/$1/$2"; eval "$3"
}
first="$(cd "$sim/images" && ls | head -1)"
broken trunc "labels/$first" 'head -c 60 "$f" > "$f.t" && mv "$f.t" "$f"'
broken notpng "images/$first" 'echo "not an image" > "$f"'
broken nolabel "labels/$first" 'rm "$f"'
# a label of another size: a valid 1x1 grey PNG
broken size "labels/$first" 'printf "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB\x60\x82" > "$f"'

# configs
printf 'itres: 3\n' > "$work/typo.yaml"
printf 'iters: [3\n  - x: :\n' > "$work/broken.yaml"
printf 'train-seg:\n  batchsize: 4\n' > "$work/section.yaml"

# checkpoints: copies of the shipped prior with a broken U-Net file
mkprior() { rm -rf "$work/$1"; cp -r "$here/models/prior" "$work/$1"; }
st="unet/diffusion_pytorch_model.safetensors"
mkprior p-trunc; head -c 1000 "$work/p-trunc/$st" > "$work/x" && mv "$work/x" "$work/p-trunc/$st"
# a safetensors file: 8-byte little-endian header length, the JSON header, then N zero data bytes
safetensors() { # FILE HEADER N
  local len=${#2} i
  { for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(( (len >> (8 * i)) & 255 )))"; done
    printf '%s' "$2"; head -c "$3" /dev/zero; } > "$1"
}
mkprior p-header; safetensors "$work/p-header/$st" '{"w":{"shape":[2],"data_offsets":[0,8]}}' 8
mkprior p-overflow; safetensors "$work/p-overflow/$st" '{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}' 8
mkprior p-shared; safetensors "$work/p-shared/$st" '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}' 12
mkprior p-noconfig; rm "$work/p-noconfig/unet/config.json"
mkprior p-fp16; mv "$work/p-fp16/$st" "$work/p-fp16/unet/diffusion_pytorch_model.fp16.safetensors"
touch "$work/afile"

n=0; failed=0
check() { # NEEDLE OUTDIR ARGS...
  local needle="$1" out="$2"; shift 2
  n=$((n + 1))
  "$D" "$@" > "$work/stdout" 2> "$work/stderr"
  local rc=$? lines; lines=$(grep -c '' "$work/stderr")
  local why=""
  [ $rc -ne 0 ] || why="exit 0"
  [ "$lines" -eq 1 ] || why="$why; $lines stderr lines"
  grep -qF -- "$needle" "$work/stderr" || why="$why; does not name '$needle'"
  [ -z "$out" ] || [ ! -e "$out" ] || why="$why; left $out behind"
  if [ -n "$why" ]; then
    failed=$((failed + 1))
    echo "FAIL: diffuda $*: ${why#; }"; sed 's/^/    /' "$work/stderr" | head -5
  fi
}
o="$work/out"
# options
check "--batch" "$o" train-seg --data "$sim" --out "$o" --batch 0
check "--batch" "$o" train-seg --data "$sim" --out "$o" --batch -3
check "--iters" "$o" train-seg --data "$sim" --out "$o" --iters x
check "--checkpoint-every" "$o" train-seg --data "$sim" --out "$o" --checkpoint-every 0
check "--width" "$o" train-seg --data "$sim" --out "$o" --width 0
check "--threads" "$o" train-seg --data "$sim" --out "$o" --threads 0
check "--lr" "$o" train-seg --data "$sim" --out "$o" --lr NaN
check "--lr" "$o" train-seg --data "$sim" --out "$o" --lr -1
check "--device" "$o" train-seg --data "$sim" --out "$o" --device gpu
check "--device" "$o" train-seg --data "$sim" --out "$o" --device tpu
check "--bogus" "$o" train-seg --data "$sim" --out "$o" --bogus
check "--window" "" evaluate --model "$work/nomodel" --data "$sim" --window 0
check "--size" "$o" benchmark make --out "$o" --size 64by128
check "--caption-dropout" "$o" finetune --data "$sim" --out "$o" --caption-dropout 2
check "--ema-decay" "$o" finetune --data "$sim" --out "$o" --ema-decay 1
check "--vae-config" "$o" prior train --data "$work/b/prior" --vae-config "$work/nowhere.json" --out "$o"
check "--height/--width" "$o" prior train --data "$work/b/prior" --height 36 --out "$o"
check "--steps" "" prior sample --model "$here/models/prior" --steps 0 --out "$o/x.png"
# configs
check "itres" "$o" train-seg --config "$work/typo.yaml" --data "$sim" --out "$o"
check "broken.yaml" "$o" train-seg --config "$work/broken.yaml" --data "$sim" --out "$o"
check "train-seg.batchsize" "$o" train-seg --config "$work/section.yaml" --data "$sim" --out "$o"
check "nowhere.yaml" "$o" train-seg --config "$work/nowhere.yaml" --data "$sim" --out "$o"
# data
check "labels/$first" "$o" train-seg --data "$work/trunc" --out "$o" --iters 1
check "images/$first" "$o" train-seg --data "$work/notpng" --out "$o" --iters 1
check "labels/$first" "$o" train-seg --data "$work/nolabel" --out "$o" --iters 1
check "labels/$first" "$o" train-seg --data "$work/size" --out "$o" --iters 1
check "nowhere" "$o" train-seg --data "$work/nowhere" --out "$o"
check "kitti" "$o" train-seg --data "kitti:$work/b" --out "$o"
check "afile" "" train-seg --data "$sim" --out "$work/afile/run" --iters 1
# DATUM
check "nowhere.png" "$o" personalize dreambooth --image "$work/nowhere.png" --out "$o"
check "--token" "$o" personalize dreambooth --image "$sim/images/$first" --token "two words" --out "$o"
check "--prompt" "$o" personalize dreambooth --image "$sim/images/$first" --prompt "a photo of a street" --out "$o"
check "--classes" "$o" generate datum --model "$here/models/prior" --classes objects --out "$o"
check "--recipe" "$o" adapt datum --recipe sd --out "$o"
check "afile" "$o" adapt datum --data "$work/b" --target-image "$work/afile" --out "$o"
check "prior/metadata.jsonl" "$o" adapt datum --data "$work/b" --out "$o"   # a corpus without the thing crops the judge needs: refused before DreamBooth
# ZoDi
mkdir -p "$work/gen/images" "$work/gen/labels"   # a transfer folder missing every image
cp "$sim/images/$first" "$work/gen/images/" && cp "$sim/labels/$first" "$work/gen/labels/"
check "--mode" "$o" transfer zodi --data "$sim" --target-condition night --mode dreams --out "$o"
check "--strength" "$o" transfer zodi --data "$sim" --target-condition night --strength 1.5 --out "$o"
check "--label-colors" "$o" transfer zodi --data "$sim" --target-condition night --label-colors pastel --out "$o"
check "--target-condition" "$o" transfer zodi --data "$sim" --target-condition dusk --out "$o"
check "nowhere" "$o" transfer zodi --data "$sim" --target-condition snow --controlnet "$work/nowhere" --out "$o"
check "--unet" "$o" transfer zodi --data "$sim" --target-condition rain --unet "$here/models/controlnet-seg" --out "$o"   # a U-Net of another architecture
check "--generated" "$o" adapt zodi --data "$work/b" --source "$sim" --val "$sim" --generated "$work/gen" --out "$o"
check "--arms" "$o" adapt zodi --data "$work/b" --source "$sim" --val "$sim" --arms zodi,everything --out "$o"
rm -rf "$work/unlabelled"; mkdir -p "$work/unlabelled"; cp -r "$sim/images" "$work/unlabelled/"   # images without labels
check "--source $work/unlabelled: has no labels" "$o" adapt zodi --data "$work/b" --source "$work/unlabelled" --val "$sim" --out "$o"
check "--controlnet" "$o" generate unet-swap --labels "$sim" --controlnet "$work/nowhere" --out "$o"
check "--unet" "$o" generate unet-swap --labels "$sim" --controlnet "$here/models/controlnet-real" --unet "$work/nowhere" --out "$o"
check "--count" "$o" generate unet-swap --labels "$sim" --count 0 --out "$o"
check "--rcs-temperature" "$o" generate unet-swap --labels "$sim" --rcs --rcs-temperature 0 --out "$o"
check "--recipe" "$o" controlnet train --data "$sim" --recipe fancy --out "$o"
check "--unet" "$o" controlnet train --data "$sim" --recipe unet-swap --unet "$work/nowhere" --out "$o"
rm -rf "$work/badmeta"; cp -r "$work/b/prior-layouts" "$work/badmeta"; echo '{"file_name": "images/x.png"}' >> "$work/badmeta/metadata.jsonl"
check "metadata.jsonl" "$o" controlnet train --data "$work/badmeta" --out "$o"
check "--controlnet $work/nowhere" "$o" controlnet train --data "$sim" --controlnet "$work/nowhere" --out "$o"
check "--controlnet $here/models/controlnet-unet-swap: its architecture" "$o" controlnet train --data "$sim" --controlnet "$here/models/controlnet-unet-swap" --out "$o"
check "--height 60 --width 128: each must be a multiple of 8" "$o" finetune unet --data "$sim" --prompt "a street" --height 60 --width 128 --out "$o"
check "--height and --width go together" "$o" controlnet train --data "$sim" --height 64 --out "$o"
check "--data $work/nowhere" "$o" prior finetune-decoder --data "$work/b/prior,$work/nowhere" --out "$o"
check "--arms" "$o" adapt unet-swap --source "$sim" --target "$sim" --val "$sim" --arms sim,everything --out "$o"
check "--unet-target" "$o" adapt unet-swap --source "$sim" --target "$sim" --val "$sim" --unet-target "$work/nowhere" --out "$o"
rm -rf "$work/nofile"; cp -r "$work/b/prior" "$work/nofile"; rm "$work/nofile/images/scene_00003.png"
check "$work/nofile/metadata.jsonl: names images/scene_00003.png" "$o" finetune --data "$work/nofile" --iters 1 --out "$o"
broken junkpng "images/$first" 'echo junk > "$f"'
check "$work/junkpng/images/$first: not a PNG" "$o" finetune --data "$work/junkpng" --prompt "a street" --iters 1 --out "$o"
check "--train-text-encoder" "$o" finetune unet --data "$sim" --prompt "a street" --train-text-encoder --out "$o"
check "--arms" "$o" adapt cicld --source "$sim" --target "$sim" --val "$sim" --arms cicld,everything --out "$o"
check "--adversarial" "$o" adapt cicld --source "$sim" --target "$sim" --val "$sim" --adversarial 4-class --out "$o"
check "--test-condition" "$o" adapt cicld --source "$sim" --target "$sim" --val "$sim" --test-condition oracle --out "$o"
check "--strength" "$o" adapt cicld --source "$sim" --target "$sim" --val "$sim" --strength 0.05 --out "$o"
check "--source" "$o" adapt cicld --source "$work/nowhere" --target "$sim" --val "$sim" --out "$o"
check "--source $work/unlabelled: has no labels" "$o" adapt cicld --source "$work/unlabelled" --target "$sim" --val "$sim" --out "$o"
check "--runs" "$o" leaderboard --runs "$work/nowhere" --out "$o"
# checkpoints
check "$st" "$o" prior sample --model "$work/p-trunc" --prompt "a photo of a car" --out "$o/x.png"
check "needs \"dtype\"" "$o" prior sample --model "$work/p-header" --prompt "a photo of a car" --out "$o/x.png"
check "more bytes than a file can hold" "$o" prior sample --model "$work/p-overflow" --prompt "a photo of a car" --out "$o/x.png"
check "share bytes" "$o" prior sample --model "$work/p-shared" --prompt "a photo of a car" --out "$o/x.png"
check "unet/config.json" "$o" prior sample --model "$work/p-noconfig" --prompt "a photo of a car" --out "$o/x.png"
check "--variant fp16" "$o" prior sample --model "$work/p-fp16" --prompt "a photo of a car" --out "$o/x.png"

echo "bad-input: $((n - failed)) of $n cases refused in one line naming the culprit"
[ $failed -eq 0 ]
