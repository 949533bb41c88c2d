package org.diffuda.diffusion.prior;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.CLIPTextConfig;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.text.ClipTokenizer;
import org.diffuda.diffusion.training.DiffusionTrainer;
import org.diffuda.training.Ema;
import org.diffuda.diffusion.training.TrainingData;
import org.diffuda.nn.ParamNames;
import org.diffuda.training.Checkpoint;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.training.Trainer;
import org.diffuda.util.Configs;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.Rng;

/**
 * Trains the embedded stand-in for Stable Diffusion on the captioned prior corpus, in SD's
 * design: (1) a CLIP-format tokenizer from the corpus words; (2) an AutoencoderKL (reconstruction
 * + small KL); (3) latents of every image (and its mirror), scaling_factor = 1/std as SD chose
 * 0.18215; (4) a UNet2DConditionModel and a CLIPTextModel trained jointly on ε-prediction with 10%
 * empty captions; (5) the EMA U-Net saved as a diffusers pipeline folder. Each stage checkpoints
 * under {@code out/.work} and resumes.
 */
public final class EmbeddedPrior {
    private EmbeddedPrior() {}

    /** Where the prior's stages checkpoint: {@code OUT.work} beside the pipeline folder. */
    public static Path workDir(Path out) {
        return out.toAbsolutePath().resolveSibling(out.getFileName() + ".work");
    }

    public static Path train(Path corpus, Path out, PriorConfig c, long seed) {
        Path work = workDir(out);
        try (org.diffuda.util.RunLock lock = org.diffuda.util.RunLock.acquire(work, "--out " + out + ": work folder")) {
            return locked(corpus, out, work, c, seed);
        }
    }

    private static Path locked(Path corpus, Path out, Path work, PriorConfig c, long seed) {
        CaptionedImages data = CaptionedImages.load(corpus, c.height(), c.width());
        List<String> captions = new ArrayList<>(data.captions());
        captions.add("");
        ClipTokenizer tok = ClipTokenizer.forCorpus(captions, c.maxTokens());
        try (NDManager m = Engines.engine().newBaseManager()) {
            AutoencoderKL vae = trainVae(data, work.resolve("vae"), c, seed, m);
            // latents of each image and its mirror (the U-Net's augmentation), with SD's scaling rule
            List<int[]> caps = new ArrayList<>();
            data.captions().forEach(t -> caps.add(tok.encode(t)));
            TrainingData.MirroredLatents ml = TrainingData.mirroredLatents(vae, data.images(), c.height(), c.width(), caps, true, m);
            float[][] lat = ml.latents();
            int[][] tokens = ml.tokens();
            long[] latShape = ml.shape();
            double scale = ml.scale();
            {
                AutoencoderKLConfig vc = vae.config();
                AutoencoderKL scaled = new AutoencoderKL(Configs.with(vc, "sample_size", c.width(), "scaling_factor", scale))
                        .init(m, Generator.of(seed, "init:vae"));
                copy(vae, scaled);
                vae = scaled;
            }
            UNet2DConditionConfig base = UNet2DConditionConfig.small();
            CLIPTextConfig tc = CLIPTextConfig.small(tok.vocabSize(), tok.id(ClipTokenizer.BOS), tok.id(ClipTokenizer.EOS));
            UNet2DConditionConfig uc = Configs.with(base, "sample_size", (int) latShape[1], "in_channels", (int) latShape[0],
                    "out_channels", (int) latShape[0], "cross_attention_dim", tc.hiddenSize(), "flip_sin_to_cos", true,
                    "freq_shift", 0, "conditioning_channels", null, "conditioning_embedding_out_channels", null);
            UNet2DConditionModel unet = new UNet2DConditionModel(uc).init(m, Generator.of(seed, "init:unet"));
            CLIPTextModel text = new CLIPTextModel(tc).init(m, Generator.of(seed, "init:text_encoder"));
            SchedulerConfig sc = SchedulerConfig.ddpm().withClassName("DDIMScheduler").withClip(false);
            NoiseSchedule noise = new NoiseSchedule(sc);
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("unet", uc);
            cfg.put("prior", c);
            TrainingData td = TrainingData.latents(lat, latShape, tokens, tok.encode(""), c.unet().batchSize(),
                    c.captionDropout(), seed);
            Ema ema = new DiffusionTrainer(unet, noise, "epsilon", c.unet(), seed)
                    .train(td, text, work.resolve("unet"), cfg, 0, null);
            if (ema != null) { // null: a recipe without EMA (decay 0)
                ema.copyTo(unet);
            }
            PipelineFolder.save(out, new PipelineFolder.StableDiffusion(unet, vae, text, tok, sc, null), true);
            return out;
        }
    }

    static void copy(AutoencoderKL from, AutoencoderKL to) {
        var src = ParamNames.of(from);
        ParamNames.of(to).forEach((k, p) -> Tensors.copyInto(p.getArray(), src.get(k).getArray()));
    }

    /** Reconstruction MSE + klWeight·KL, AdamW, on the one trainer; checkpointed and resumable. */
    static AutoencoderKL trainVae(CaptionedImages data, Path ckpt, PriorConfig c, long seed, NDManager m) {
        AutoencoderKL vae = new AutoencoderKL(c.vae()).init(m, Generator.of(seed, "init:vae"));
        return fitVae(vae, false, "vae train", data, ckpt, c.vaeIterations(), c.vaeBatch(), c.vaeLr(), c.klWeight(), c, seed);
    }

    /**
     * Fine-tunes the decoder of {@code model}'s VAE on the corpus, the encoder frozen — so the latent
     * space every U-Net and ControlNet of that pipeline was trained in stays as it is (Stable
     * Diffusion's ft-MSE decoder recipe: reconstruction MSE of posterior samples; no KL, since q(z|x)
     * does not move). Writes the pipeline with the new VAE to {@code out}; checkpoints under
     * {@code OUT.work/vae-decoder} and resumes.
     */
    public static Path finetuneDecoder(Path model, Path corpus, Path out, int iterations, double lr, long seed) {
        return finetuneDecoder(model, List.of(corpus.toString()), out, null, iterations, lr, seed, new org.diffuda.data.BadInput(false));
    }

    /**
     * As above, on the images of {@code data} ({@link CaptionedImages#loadAll}: captioned folders or
     * datasets, e.g. the corpus and a source domain's images) at {@code size} = {height, width}
     * (null: the pipeline's own image size).
     */
    public static Path finetuneDecoder(Path model, List<String> data, Path out, int[] size, int iterations, double lr, long seed,
                                       org.diffuda.data.BadInput bad) {
        Path work = workDir(out);
        try (org.diffuda.util.RunLock lock = org.diffuda.util.RunLock.acquire(work, "--out " + out + ": work folder");
                NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(model, m);
            if (size == null) {
                size = org.diffuda.diffusion.pipelines.TextToImage.imageSize(p);
            }
            PriorConfig c = Configs.with(PriorConfig.small(), "height", size[0], "width", size[1], "vaeIterations", iterations,
                    "vaeLr", lr, "klWeight", 0, "vae", p.vae().config());
            CaptionedImages images = CaptionedImages.loadAll(data, c.height(), c.width(), bad);
            fitVae(p.vae(), true, "vae decoder finetune", images, work.resolve("vae-decoder"), iterations, c.vaeBatch(), lr, 0, c,
                    seed);
            PipelineFolder.save(out, p, true);
            return out;
        }
    }

    /** Mean squared reconstruction error of {@code vae} (posterior mode) over images in [0, 1], as the decoder sees them. */
    public static double reconstructionMse(AutoencoderKL vae, List<float[]> images, int h, int w, NDManager m) {
        double sum = 0;
        int per = 3 * h * w;
        for (int i = 0; i < images.size(); i += 16) {
            int n = Math.min(16, images.size() - i);
            try (NDManager sub = m.newSubManager()) {
                float[] x = new float[n * per];
                for (int j = 0; j < n; j++) {
                    System.arraycopy(images.get(i + j), 0, x, j * per, per);
                }
                NDArray xs = Tensors.affine(Tensors.create(sub, x, new Shape(n, 3, h, w)), 2, -1);
                NDArray rec = vae.decode(vae.encode(xs, null, false), false).clip(-1, 1);
                // in [0, 1] units: a quarter of the [-1, 1] error
                sum += rec.sub(xs).square().mean().getFloat() / 4 * n;
            }
        }
        return sum / images.size();
    }

    /**
     * The one VAE loop, on the one trainer: the whole autoencoder (reconstruction + klWeight·KL), or
     * only its decoder and post_quant_conv with the encoder run outside autograd.
     */
    private static AutoencoderKL fitVae(AutoencoderKL vae, boolean decoderOnly, String name, CaptionedImages data, Path ckpt,
                                        int iterations, int batch, double lr, double klWeight, PriorConfig c, long seed) {
        Map<String, ai.djl.nn.Parameter> params = new LinkedHashMap<>(ParamNames.trainable(vae));
        if (decoderOnly) {
            params.keySet().removeIf(k -> !(k.startsWith("decoder.") || k.startsWith("post_quant_conv.")));
        }
        Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, 0.0).clipGradNorm(1.0);
        int per = 3 * c.height() * c.width();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("vae", vae.config());
        config.put("prior", c);
        config.put("seed", seed);
        if (decoderOnly) {
            config.put("decoder_only", true);
            config.put("images", data.size()); // a resume on other --data is refused
        }
        new Trainer(name, iterations, seed)
                .module("", vae, null)
                .group("vae", opt, LrSchedule.constant(lr))
                .checkpoint(ckpt, config, 250)
                .run(it -> {
                    Random r = it.generator("batch").random();
                    float[] x = new float[batch * per];
                    for (int j = 0; j < batch; j++) {
                        float[] img = data.images().get(r.nextInt(data.size()));
                        if (r.nextBoolean()) {
                            img = Transforms.flip(new org.diffuda.data.Sample("x", c.height(), c.width(), img, null)).image();
                        }
                        System.arraycopy(img, 0, x, j * per, per);
                    }
                    NDArray xs = Tensors.affine(Tensors.create(it.manager(), x, new Shape(batch, 3, c.height(), c.width())), 2, -1);
                    double[] mse = new double[1];
                    // frozen encoder: its posterior sample, drawn outside autograd
                    NDArray frozen = decoderOnly ? vae.encode(xs, it.generator("posterior"), false) : null;
                    it.backward(() -> {
                        NDArray z;
                        NDArray kl = null;
                        if (decoderOnly) {
                            z = frozen;
                        } else {
                            NDArray[] d = vae.encodeDist(xs, true);
                            NDArray zz = d[0].add(Tensors.mul(d[1], 0.5).exp().mul(it.generator("posterior").randn(it.manager(), d[0].getShape())));
                            z = Tensors.mul(zz, (float) vae.config().scalingFactor());
                            kl = Tensors.mul(d[0].square().add(d[1].exp()).sub(d[1]).sub(1f), 0.5).mean();
                        }
                        NDArray rec = vae.decode(z, true);
                        NDArray err = rec.sub(xs).square().mean();
                        mse[0] = err.getFloat();
                        return kl == null ? err : err.add(Tensors.mul(kl, (float) klWeight));
                    });
                    return Map.of("mse", mse[0]);
                });
        return vae;
    }
}
