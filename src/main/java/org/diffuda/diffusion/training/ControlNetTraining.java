package org.diffuda.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonInclude;
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
     * @param size      [height, width] to train at (diffusers' {@code --resolution}), or null for the
     *                  pipeline's own size; the written config keeps the U-Net's sample size (this and
     *                  {@link Recipe#controlnet} are left out of a run's config when null, so runs
     *                  checkpointed before they existed still resume)
     */
    public record Config(String prompt, String condition, List<Integer> embedding, DiffusionTrainConfig train, Recipe recipe,
                         @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> size) {
        public Config(String prompt, String condition, List<Integer> embedding, DiffusionTrainConfig train) {
            this(prompt, condition, embedding, train, Recipe.PLAIN);
        }

        public Config(String prompt, String condition, List<Integer> embedding, DiffusionTrainConfig train, Recipe recipe) {
            this(prompt, condition, embedding, train, recipe, null);
        }
    }

    /**
     * How examples are drawn and captioned.
     *
     * @param classNamePrompts caption each example with the names of the classes in its label
     *                         ({@link LayoutCondition#classNames}) instead of the fixed prompt
     * @param crops            crop the pipeline's size out of each image at its own resolution
     *                         (instead of resizing the whole image)
     * @param rcsTemperature   Rare Class Sampling (DAFormer's T; the crop is centred on a pixel of the
     *                         drawn class), or null for epoch order
     * @param rcsMinPixels     pixels of a class an image needs to be drawn for it, at 512×512
     * @param unet             a U-Net folder that replaces the pipeline's, frozen, and from which
     *                         the ControlNet is copied (U-Net swap's U_src); null: the pipeline's
     * @param controlnet       a trained ControlNet folder to start from instead of the U-Net copy
     *                         (diffusers' {@code --controlnet_model_name_or_path}), e.g. to fine-tune
     *                         one at another image size; null: copy the U-Net's encoder
     */
    public record Recipe(boolean classNamePrompts, boolean crops, Double rcsTemperature, int rcsMinPixels, String unet,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String controlnet) {
        public static final Recipe PLAIN = new Recipe(false, false, null, 3000, null);

        public Recipe(boolean classNamePrompts, boolean crops, Double rcsTemperature, int rcsMinPixels, String unet) {
            this(classNamePrompts, crops, rcsTemperature, rcsMinPixels, unet, null);
        }

        /** The U-Net swap thesis: class-name prompts, RCS crops (T 0.01, 3000 px) around a pixel of the class. */
        public static Recipe unetSwap(String unet) {
            return new Recipe(true, true, 0.01, 3000, unet);
        }
    }

    private ControlNetTraining() {}

    /** @param variant weights variant of the base pipeline (null: full precision) */
    public static Path train(Path pipelineDir, String variant, List<Dataset> data, Path out, Config c, long seed, BadInput bad) {
        return train(pipelineDir, variant, data, null, out, c, seed, bad);
    }

    /**
     * The same with per-image captions ({@code captions}: image id → text, diffusers'
     * {@code --caption_column}); an image without one, or every image when it is null, gets
     * {@code c.prompt()} (or its class names under the class-name recipe).
     */
    public static Path train(Path pipelineDir, String variant, List<Dataset> data, Map<String, String> captions, Path out, Config c,
                             long seed, BadInput bad) {
        LayoutCondition.check(c.condition());
        for (Dataset d : data) {
            if (!d.labelled()) {
                throw new DiffudaException("--data: " + d + " has no labels; a ControlNet learns from label maps");
            }
        }
        Recipe r = c.recipe() == null ? Recipe.PLAIN : c.recipe();
        if (r.unet() != null && PipelineFolder.unetDir(Path.of(r.unet())) == null) {
            throw new DiffudaException("--unet " + r.unet() + ": no config.json (expected a U-Net folder or a pipeline with unet/)");
        }
        // the ControlNet's architecture from the configs alone, so a misfit is refused before anything is written
        UNet2DConditionConfig uc = PipelineFolder.config(r.unet() != null ? PipelineFolder.unetDir(Path.of(r.unet()))
                : pipelineDir.resolve("unet"), UNet2DConditionConfig.class);
        int down = PipelineFolder.config(pipelineDir.resolve("vae"), org.diffuda.diffusion.models.AutoencoderKLConfig.class).downsampling();
        List<Integer> emb = c.embedding() != null ? c.embedding() : defaultEmbedding(down);
        if (1 << (emb.size() - 1) != down) {
            throw new DiffudaException("--embedding " + emb + ": " + (emb.size() - 1) + " halvings, but the VAE down-samples "
                    + down + "×");
        }
        UNet2DConditionConfig cc = uc.asControlNet(LayoutCondition.channels(c.condition()), emb);
        if (r.controlnet() != null) {
            checkStart(Path.of(r.controlnet()), cc, c.condition());
        }
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion base = PipelineFolder.load(pipelineDir, m, variant);
            PipelineFolder.StableDiffusion p = r.unet() == null ? base
                    : base.withUnet(PipelineFolder.loadUNet(Path.of(r.unet()), m, variant, base.unet().config()));
            ControlNetModel cn;
            if (r.controlnet() == null) {
                cn = new ControlNetModel(cc).init(m, Generator.of(seed, "init:controlnet"));
                cn.copyFrom(p.unet());
            } else {
                cn = PipelineFolder.loadControlNet(Path.of(r.controlnet()), m, variant);
            }
            int[] size = c.size() != null ? new int[] {c.size().get(0), c.size().get(1)} : TextToImage.imageSize(p);
            NDArray context = r.classNamePrompts() || captions != null ? null
                    : p.textEncoder().encode(m, p.tokenizer().encode(List.of(c.prompt())), false);
            Loader.Sampler sampler = r.rcsTemperature() == null ? Loader.epochSampler(data, seed)
                    : rcsSampler(data, r.rcsTemperature(), r.rcsMinPixels());
            Transforms.Transform flip = Transforms.hflip(0.5);
            Transforms.Transform transform = !r.crops() ? Transforms.compose(List.of(Transforms.resize(size[0], size[1]), flip))
                    : Transforms.classCrop(size[0], size[1], flip);
            NoiseSchedule noise = new NoiseSchedule(p.scheduler());
            Optimizer opt = Optimizer.adamw(ParamNames.trainable(cn), 0.9, 0.999, c.train().weightDecay())
                    .clipGradNorm(c.train().clipNorm());
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("pipeline", pipelineDir.toAbsolutePath().toString());
            config.put("controlnet", cc);
            config.put("recipe", c);
            if (captions != null) {
                config.put("captions", captions.size() + " captions, hash " + Integer.toHexString(new java.util.TreeMap<>(captions).hashCode()));
            }
            config.put("seed", seed);
            new Trainer("controlnet train", c.train().iterations(), seed)
                    .module("", cn, null) // cc is in the run config: a root module config would overwrite it
                    .group("controlnet", opt, new LrSchedule(c.train().lr(), 0, c.train().lr(), c.train().iterations(),
                            c.train().warmupIters(), 1e-3))
                    .checkpoint(out.resolve("checkpoint"), config, c.train().checkpointEvery())
                    .run(new Trainer.Step() {
                        Loader loader;

                        @Override
                        public void start(long iteration) {
                            loader = new Loader(data, sampler, c.train().batchSize(), transform, seed, iteration, 1, 2, bad);
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
                            NDArray ctx = context != null ? context.repeat(0, n)
                                    : p.textEncoder().encode(it.manager(), p.tokenizer().encode(captions(b, captions, r, c.prompt())), false);
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

    /**
     * Refuses a ControlNet folder that does not fit the U-Net and the label input this run trains
     * it for: its config must be {@code expected}'s but for the sample size (a size hint, not
     * architecture; the run saves {@code expected}'s).
     */
    static void checkStart(Path dir, UNet2DConditionConfig expected, String condition) {
        if (!java.nio.file.Files.isRegularFile(dir.resolve("config.json"))) {
            throw new DiffudaException("--controlnet " + dir + ": no config.json (expected a ControlNet folder, diffusers layout)");
        }
        UNet2DConditionConfig own = PipelineFolder.config(dir, UNet2DConditionConfig.class);
        if (!org.diffuda.util.Configs.with(own, "sample_size", expected.sampleSize()).equals(expected)) {
            throw new DiffudaException("--controlnet " + dir + ": its architecture does not fit this U-Net and --label-input "
                    + condition + " (a ControlNet continues only where it was made for the same U-Net and label input)");
        }
    }

    /** Each example's caption: its own text, else its class names (class-name recipe), else the fixed prompt. */
    public static List<String> captions(Batch b, Map<String, String> captions, Recipe r, String prompt) {
        List<String> names = r.classNamePrompts() ? classNames(b) : null;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b.samples().size(); i++) {
            String own = captions == null ? null : captions.get(b.samples().get(i).id());
            out.add(own != null ? own : names != null ? names.get(i) : prompt);
        }
        return out;
    }

    /** Each example's class-name caption. */
    static List<String> classNames(Batch b) {
        List<String> out = new ArrayList<>();
        for (org.diffuda.data.Sample x : b.samples()) {
            out.add(LayoutCondition.classNames(x.label()));
        }
        return out;
    }

    /** RCS over one labelled dataset (the thesis trains on one source). */
    static Loader.Sampler rcsSampler(List<Dataset> data, double temperature, int minPixels) {
        if (data.size() != 1) {
            throw new DiffudaException("--data: rare-class sampling draws from one labelled dataset, got " + data.size());
        }
        return org.diffuda.uda.ClassStats.of(data.get(0)).sampler(temperature, minPixels);
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
