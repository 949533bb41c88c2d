package org.diffuda.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.nn.Tensors;
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
    /** Images (CHW in [0, 1], any size: they are resized to the pipeline's) with one caption each. */
    public record Examples(List<float[]> images, List<int[]> sizes, List<String> captions) {}

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
            int n = data.images().size();
            List<float[]> images = new ArrayList<>();
            List<int[]> tokens = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] hw = data.sizes().get(i);
                images.add(Transforms.resizeTo(new org.diffuda.data.Sample("x" + i, hw[0], hw[1], data.images().get(i), null),
                        size[0], size[1]).image());
                tokens.add(p.tokenizer().encode(data.captions().get(i)));
            }
            TrainingData.MirroredLatents ml = TrainingData.mirroredLatents(p.vae(), images, size[0], size[1], tokens, false, m);
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
            ema.copyTo(p.unet());
            PipelineFolder.save(out.resolve("pipeline"), p, half);
            return out.resolve("pipeline");
        }
    }

    /** The captions of a folder: metadata.jsonl when there is one, else {@code prompt} for every image. */
    public static Examples examples(List<org.diffuda.data.Sample> samples, List<String> captions) {
        List<float[]> imgs = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        for (org.diffuda.data.Sample s : samples) {
            imgs.add(s.image());
            sizes.add(new int[] {s.height(), s.width()});
        }
        return new Examples(imgs, sizes, captions);
    }
}
