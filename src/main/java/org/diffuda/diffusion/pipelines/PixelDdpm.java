package org.diffuda.diffusion.pipelines;

import org.diffuda.training.Trainer;
import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.DiffusionTrainer;
import org.diffuda.training.Ema;
import org.diffuda.util.Engines;
import org.diffuda.util.Configs;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;

/**
 * A pixel-space DDPM (DDPMPipeline's pieces): train a UNet2DModel on unlabelled images and keep
 * it as a diffusers folder ({@code unet/} with the EMA weights, {@code scheduler/}); sample with
 * DDPM, DDIM or DPM-Solver++. Peng et al.'s target denoiser is one of these.
 */
public final class PixelDdpm {
    /** What a pixel DDPM is built and trained from. */
    public record Recipe(UNet2DConfig unet, SchedulerConfig scheduler, DiffusionTrainConfig train) {
        /**
         * The embedded world's recipe: the small U-Net (sample_size h) at h × w, linear-β DDPM
         * with {@code prediction} ("epsilon" or "v_prediction"), {@link DiffusionTrainConfig#small()}
         * with {@code iterations} (null: its default), no conditioning dropout.
         */
        public static Recipe small(int h, int w, Integer iterations, String prediction) {
            DiffusionTrainConfig s = DiffusionTrainConfig.small();
            DiffusionTrainConfig t = Configs.with(s, "iterations", iterations == null ? s.iterations() : iterations,
                    "height", h, "width", w, "condDropout", 0.0);
            return new Recipe(Configs.with(UNet2DConfig.small(), "sample_size", h), SchedulerConfig.ddpm().withPrediction(prediction), t);
        }
    }

    public record Trained(Path dir, List<Trainer.Record> history, double seconds) {}

    private PixelDdpm() {}

    public static Trained train(List<Dataset> data, Path out, UNet2DConfig uc, SchedulerConfig sc, DiffusionTrainConfig c,
                                long seed, BadInput bad) {
        return train(data, out, uc, sc, c, seed, bad, null);
    }

    /**
     * As above; with {@code init} (a pixel DDPM folder) training continues from its U-Net weights
     * and config instead of a fresh initialisation (fresh optimiser, EMA starting at those weights).
     */
    public static Trained train(List<Dataset> data, Path out, UNet2DConfig uc, SchedulerConfig sc, DiffusionTrainConfig c,
                                long seed, BadInput bad, Path init) {
        try (org.diffuda.util.RunLock lock = org.diffuda.util.RunLock.acquire(out, "--out")) {
            return locked(data, out, uc, sc, c, seed, bad, init);
        }
    }

    private static Trained locked(List<Dataset> data, Path out, UNet2DConfig uc, SchedulerConfig sc, DiffusionTrainConfig c,
                                  long seed, BadInput bad, Path init) {
        long t0 = System.nanoTime();
        List<Trainer.Record> history = new ArrayList<>();
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel unet = init == null ? new UNet2DModel(uc).init(m, Generator.of(seed, "init:unet")) : load(init, m);
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("unet", unet.config());
            if (init != null) {
                cfg.put("init", init.toString());
            }
            cfg.put("scheduler", sc);
            cfg.put("train", c);
            cfg.put("data", org.diffuda.data.Datasets.describe(data));
            Ema ema = new DiffusionTrainer(unet, Scheduler.create(sc).noise(), sc.predictionType(), c, seed)
                    .train(data, out.resolve("checkpoint"), cfg, bad, 0, history);
            if (ema != null) { // null: a recipe without EMA (decay 0)
                ema.copyTo(unet);
            }
            PipelineFolder.saveUNet2D(out.resolve("unet"), unet);
            Files.createDirectories(out.resolve("scheduler"));
            Json.writeFile(out.resolve("scheduler/scheduler_config.json"), sc);
            Json.writeFile(out.resolve("model_index.json"), Json.object("_class_name", "DDPMPipeline", "_diffusers_version", "0.27.2",
                    "unet", List.of("diffusers", "UNet2DModel"), "scheduler", List.of("diffusers", sc.className())));
        } catch (java.io.IOException e) {
            throw new org.diffuda.util.DiffudaException(out + ": " + e.getMessage(), e);
        }
        return new Trained(out, history, (System.nanoTime() - t0) / 1e9);
    }

    /** Loads {@code dir/unet} and {@code dir/scheduler}. */
    public static UNet2DModel load(Path dir, NDManager m) {
        return PipelineFolder.loadUNet2D(dir.resolve("unet"), m);
    }

    public static SchedulerConfig scheduler(Path dir) {
        return org.diffuda.util.Configs.read(dir.resolve("scheduler/scheduler_config.json"), SchedulerConfig.class);
    }

    /** n images in [0, 1] at (h, w) with the given scheduler class and number of steps. */
    public static NDArray sample(UNet2DModel unet, SchedulerConfig sc, String schedulerClass, int steps, int n, int h, int w,
                                 NDManager m, Generator generator) {
        Scheduler s = Scheduler.create(sc.withClassName(schedulerClass));
        NDArray x = DiffusionSampler.generate(unet, s, new Shape(n, unet.inChannels(), h, w), m, Conditioning.NONE, null,
                DiffusionSampler.Options.of(steps).withGenerator(generator), SamplingHook.NONE);
        return Tensors.div(x.add(1f), 2).clip(0f, 1f);
    }
}
