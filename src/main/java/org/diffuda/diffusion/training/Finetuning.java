package org.diffuda.diffusion.training;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.diffuda.data.Dataset;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.training.Ema;
import org.diffuda.util.RunLock;

/**
 * Fine-tuning a text-to-image pipeline's U-Net (and optionally its text encoder) on (image,
 * caption) pairs, as diffusers' train_text_to_image.py / DreamBooth without prior preservation:
 * latents of every image and its mirror are encoded once (the VAE is frozen), then the
 * ε-objective trains on the one trainer with EMA. Leaves {@code OUT/pipeline/} — the whole
 * diffusers pipeline folder with the fine-tuned (EMA) U-Net — and {@code OUT/checkpoint/}.
 */
public final class Finetuning {
    /**
     * What a fine-tuning run learns from: images with one caption each, read one at a time while
     * their latents are encoded, so a real-scale set (thousands of 512×1024 frames) is never held
     * in memory as pixels — only its latents are (2 × 4 × h/8 × w/8 floats per image).
     */
    public record Examples(int size, IntFunction<Sample> images, IntFunction<String> captions) {
        /** Image i: CHW in [0, 1], any size (it is resized to the training size). */
        public Sample image(int i) {
            return images.apply(i);
        }

        public String caption(int i) {
            return captions.apply(i);
        }

        /** Samples already in memory. */
        public static Examples of(List<Sample> samples, List<String> captions) {
            if (samples.size() != captions.size()) {
                throw new IllegalArgumentException(samples.size() + " images, " + captions.size() + " captions");
            }
            return new Examples(samples.size(), samples::get, captions::get);
        }

        /** A captioned folder (metadata.jsonl with file_name, text), each image read when it is encoded. */
        public static Examples captioned(java.nio.file.Path dir) {
            org.diffuda.diffusion.prior.CaptionedImages.Folder f = org.diffuda.diffusion.prior.CaptionedImages.folder(dir);
            return new Examples(f.size(), f::image, f::caption);
        }

        /** Every image of {@code data}, each captioned {@code caption}. */
        public static Examples of(Dataset data, String caption) {
            return new Examples(data.size(), data::load, i -> caption);
        }

        /**
         * With {@code crops} &gt; 0, {@code crops} random h × w crops of each image at its own
         * resolution ({@link Transforms#fixedCrops}'s, drawn from {@code seed}) with its caption, all
         * of one image's in a row (its file is decoded once for them); with 0, these examples.
         */
        public Examples cropped(int crops, int h, int w, long seed) {
            if (crops <= 0) {
                return this;
            }
            Sample[] last = new Sample[1];
            int[] lastIndex = {-1};
            IntFunction<Sample> read = i -> {
                synchronized (last) {
                    if (i / crops != lastIndex[0]) {
                        last[0] = image(i / crops);
                        lastIndex[0] = i / crops;
                    }
                    return Transforms.fixedCrop(last[0], h, w, i % crops, seed, "finetune crop");
                }
            };
            return new Examples(size * crops, read, i -> caption(i / crops));
        }
    }

    private Finetuning() {}

    /** @param variant weights variant of the base pipeline (null: full precision) */
    public static Path train(Path pipelineDir, String variant, Examples data, Path out, DiffusionTrainConfig c,
                             boolean trainTextEncoder, long seed) {
        return train(pipelineDir, variant, data, out, c, trainTextEncoder, seed, false);
    }

    /** @param half write the pipeline's weights in float16 (as the shipped prior) */
    public static Path train(Path pipelineDir, String variant, Examples data, Path out, DiffusionTrainConfig c,
                             boolean trainTextEncoder, long seed, boolean half) {
        return train(pipelineDir, variant, data, out, c, trainTextEncoder, seed, half, null);
    }

    /**
     * @param at {height, width} to train at (diffusers' {@code --resolution}), or null for the
     *           pipeline's own size; the written configs keep the base's sample sizes
     */
    public static Path train(Path pipelineDir, String variant, Examples data, Path out, DiffusionTrainConfig c,
                             boolean trainTextEncoder, long seed, boolean half, int[] at) {
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = org.diffuda.util.Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(pipelineDir, m, variant);
            int[] size = at != null ? at : TextToImage.imageSize(p);
            int n = data.size();
            List<int[]> tokens = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tokens.add(p.tokenizer().encode(data.caption(i)));
            }
            TrainingData.MirroredLatents ml = TrainingData.mirroredLatents(p.vae(), n,
                    i -> Transforms.resizeTo(data.image(i), size[0], size[1]).image(), size[0], size[1], tokens, false, m);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("pipeline", pipelineDir.toAbsolutePath().toString());
            config.put("train", c);
            config.put("train_text_encoder", trainTextEncoder);
            config.put("images", n);
            if (at != null) {
                config.put("size", List.of(at[0], at[1]));
            }
            config.put("seed", seed);
            TrainingData td = TrainingData.latents(ml.latents(), ml.shape(), ml.tokens(), p.tokenizer().encode(""), c.batchSize(),
                    c.condDropout(), seed);
            Ema ema = new DiffusionTrainer(p.unet(), new NoiseSchedule(p.scheduler()), p.scheduler().predictionType(), c, seed)
                    .train(td, p.textEncoder(), trainTextEncoder, out.resolve("checkpoint"), config, 0, null);
            if (ema != null) { // null: a recipe without EMA (decay 0)
                ema.copyTo(p.unet());
            }
            PipelineFolder.save(out.resolve("pipeline"), p, half);
            return out.resolve("pipeline");
        }
    }
}
