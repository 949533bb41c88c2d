package org.diffuda.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Batch;
import org.diffuda.data.Dataset;
import org.diffuda.data.Loader;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.diffusion.pipelines.LayoutCondition;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.nn.ParamNames;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.training.Trainer;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.RunLock;

/**
 * Training a ControlNet on (image, label) pairs (diffusers' train_controlnet.py): the pipeline's
 * U-Net, VAE and text encoder stay frozen; the ControlNet starts as a copy of the U-Net's encoder
 * with zero convolutions; the loss is the ε-MSE of the U-Net fed the ControlNet's residuals for
 * the label map. Leaves {@code OUT/controlnet/} (config.json + diffusion_pytorch_model.safetensors)
 * and {@code OUT/checkpoint/} (resumable).
 */
public final class ControlNetTraining {
    /**
     * @param prompt    the caption of every image (diffuda's datasets carry none)
     * @param condition a {@link LayoutCondition} mode: cityscapes-colors (or colour), ade20k-colors, onehot
     * @param embedding the condition embedding's channels; its length − 1 halvings must equal the
     *                  VAE's down-sampling (null: 16, 32, 96, 256 cut to fit, diffusers' default)
     */
    public record Config(String prompt, String condition, List<Integer> embedding, DiffusionTrainConfig train) {}

    private ControlNetTraining() {}

    /** @param variant weights variant of the base pipeline (null: full precision) */
    public static Path train(Path pipelineDir, String variant, List<Dataset> data, Path out, Config c, long seed, BadInput bad) {
        LayoutCondition.check(c.condition());
        for (Dataset d : data) {
            if (!d.labelled()) {
                throw new DiffudaException("--data: " + d + " has no labels; a ControlNet learns from label maps");
            }
        }
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(pipelineDir, m, variant);
            int down = LatentCodec.downsampling(p.vae());
            List<Integer> emb = c.embedding() != null ? c.embedding() : defaultEmbedding(down);
            if (1 << (emb.size() - 1) != down) {
                throw new DiffudaException("--embedding " + emb + ": " + (emb.size() - 1) + " halvings, but the VAE down-samples "
                        + down + "×");
            }
            UNet2DConditionConfig cc = p.unet().config().asControlNet(LayoutCondition.channels(c.condition()), emb);
            ControlNetModel cn = new ControlNetModel(cc).init(m, Generator.of(seed, "init:controlnet"));
            cn.copyFrom(p.unet());
            int[] size = TextToImage.imageSize(p);
            NDArray context = p.textEncoder().encode(m, p.tokenizer().encode(List.of(c.prompt())), false);
            NoiseSchedule noise = new NoiseSchedule(p.scheduler());
            Optimizer opt = Optimizer.adamw(ParamNames.trainable(cn), 0.9, 0.999, c.train().weightDecay())
                    .clipGradNorm(c.train().clipNorm());
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("pipeline", pipelineDir.toAbsolutePath().toString());
            config.put("controlnet", cc);
            config.put("recipe", c);
            config.put("seed", seed);
            new Trainer("controlnet train", c.train().iterations(), seed)
                    .module("", cn, cc)
                    .group("controlnet", opt, new LrSchedule(c.train().lr(), 0, c.train().lr(), c.train().iterations(),
                            c.train().warmupIters(), 1e-3))
                    .checkpoint(out.resolve("checkpoint"), config, c.train().checkpointEvery())
                    .run(new Trainer.Step() {
                        Loader loader;

                        @Override
                        public void start(long iteration) {
                            loader = new Loader(data, Loader.epochSampler(data, seed), c.train().batchSize(),
                                    Transforms.compose(List.of(Transforms.resize(size[0], size[1]), Transforms.hflip(0.5))), seed,
                                    iteration, 1, 2, bad);
                        }

                        @Override
                        public Map<String, Double> run(Trainer.Iteration it) {
                            Batch b = loader.next();
                            NDArray images = b.images(it.manager());
                            NDArray cond = LayoutCondition.encode(b.labels(it.manager()), c.condition());
                            NDArray z0 = LatentCodec.encode(p.vae(), images, null);
                            DiffusionTrainer.Noised z = DiffusionTrainer.noised(it, noise, z0);
                            NDArray zt = z.xt(), eps = z.eps();
                            float[] tf = z.tf();
                            int n = tf.length;
                            NDArray ctx = context.repeat(0, n);
                            double loss = it.backward(() -> p.unet().predict(zt, tf,
                                    cn.residuals(zt, tf, ctx, cond, 1f, true), false).sub(eps).square().mean());
                            return Map.of("loss", loss);
                        }

                        @Override
                        public void close() {
                            if (loader != null) {
                                loader.close();
                            }
                        }
                    });
            AtomicFiles.write(out.resolve("controlnet"),
                    tmp -> PipelineFolder.writeComponent(tmp, cc, cn, PipelineFolder.DIFFUSERS_WEIGHTS, false));
            return out.resolve("controlnet");
        }
    }

    /** diffusers' (16, 32, 96, 256), cut to the VAE's down-sampling (8× uses all four). */
    static List<Integer> defaultEmbedding(int down) {
        List<Integer> all = List.of(16, 32, 96, 256);
        int n = Integer.numberOfTrailingZeros(down) + 1;
        if (n > all.size()) {
            List<Integer> out = new ArrayList<>(all);
            while (out.size() < n) {
                out.add(256);
            }
            return out;
        }
        return all.subList(0, n);
    }

}
