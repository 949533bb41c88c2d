package org.diffuda.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
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
import org.diffuda.nn.ParamNames;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Checkpoint;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.training.Trainer;
import org.diffuda.util.Generators;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.Rng;

/**
 * Supervised segmentation training over one or more labelled datasets (each batch takes an equal
 * share of each). Checkpoints every {@code checkpointEvery} iterations; a run started again with
 * the same output directory resumes and ends at the weights an uninterrupted run would reach.
 */
public final class SegTrainer {
    /**
     * A per-batch augmentation that needs tensor ops (e.g. forward-process noise); it runs in the
     * iteration's memory scope and draws its randomness from the iteration's generators, so resumed
     * runs see the same batches.
     */
    public interface BatchAugment {
        /** Returns {images, labels}, possibly the inputs themselves. */
        NDArray[] apply(NDArray images, NDArray labels, Generators iteration);
    }

    private final Segmenter model;
    private final TrainConfig cfg;
    private final long seed;
    private BatchAugment augment;

    public SegTrainer(Segmenter model, TrainConfig cfg, long seed) {
        this.model = model;
        this.cfg = cfg;
        this.seed = seed;
    }

    public SegTrainer withAugment(BatchAugment a) {
        this.augment = a;
        return this;
    }

    /** The training pipeline: random scale (of the crop size, or of each image's own), crop (cat_max_ratio), flip, photometric jitter. */
    public static Transforms.Transform pipeline(TrainConfig c) {
        List<Transforms.Transform> ts = new ArrayList<>();
        ts.add((c.scalesImages() ? Transforms.randomScale(c.scaleMin(), c.scaleMax())
                : Transforms.randomScale(c.cropHeight(), c.cropWidth(), c.scaleMin(), c.scaleMax())));
        ts.add(Transforms.randomCrop(c.cropHeight(), c.cropWidth(), c.catMaxRatio()));
        ts.add(Transforms.hflip(0.5));
        if (c.photometric()) {
            ts.add(Transforms.photometric());
        }
        return Transforms.compose(ts);
    }

    public Optimizer optimizer() {
        Map<String, Parameter> params = ParamNames.trainable(model);
        Optimizer opt = cfg.optimizer().equals("sgd")
                ? Optimizer.sgd(params, cfg.momentum(), cfg.weightDecay())
                : Optimizer.adamw(params, 0.9, 0.999, cfg.weightDecay());
        String head = model.headPrefix();
        opt.lrMultiplier(k -> k.startsWith(head), cfg.headLrMult());
        if (cfg.optimizer().equals("adamw")) {
            // DAFormer: no decay on norms and position blocks
            opt.noDecay(k -> k.contains("norm") || k.contains(".bn") || k.startsWith("bn") || k.contains("downsample.1"));
        }
        if (cfg.clipNorm() > 0) {
            opt.clipGradNorm(cfg.clipNorm());
        }
        return opt;
    }

    public LrSchedule schedule() {
        return new LrSchedule(cfg.lr(), cfg.power(), 0, cfg.iterations(), cfg.warmupIters(), 1e-6);
    }

    /**
     * Trains, checkpointing into {@code ckptDir}; resumes from it when it holds a checkpoint.
     * {@code stopAfter} (≤ 0: never) ends the process's share early, as a kill would (tests).
     */
    public Trainer.Result train(List<Dataset> data, Path ckptDir, Object config, BadInput bad, long stopAfter) {
        return train(new Supervised(data, bad), ckptDir, config, stopAfter);
    }

    /** The same loop with another step over this model (its optimiser and schedule). */
    public Trainer.Result train(Trainer.Step step, Path ckptDir, Object config, long stopAfter) {
        Trainer trainer = new Trainer("train", cfg.iterations(), seed)
                .module("", model, null)
                .group("model", optimizer(), schedule())
                .checkpoint(ckptDir, config, cfg.checkpointEvery())
                .stopAfter(stopAfter);
        return trainer.run(step);
    }

    /** The supervised step: a batch of every dataset's share, optional augmentation, cross-entropy. */
    private final class Supervised implements Trainer.Step {
        private final List<Dataset> data;
        private final BadInput bad;
        private Loader loader;

        Supervised(List<Dataset> data, BadInput bad) {
            this.data = data;
            this.bad = bad;
        }

        @Override
        public void start(long iteration) {
            int workers = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() - 1));
            loader = new Loader(data, Loader.epochSampler(data, seed), cfg.batchSize(), pipeline(cfg), seed, iteration,
                    workers, 4, bad);
        }

        @Override
        public Map<String, Double> run(Trainer.Iteration it) {
            Batch batch = loader.next();
            NDArray x = batch.images(it.manager());
            NDArray y = batch.labels(it.manager());
            if (augment != null) {
                NDArray[] xy = augment.apply(x, y, it);
                x = xy[0];
                y = xy[1];
            }
            NDArray fx = x, fy = y;
            double loss = it.backward(() -> Losses.crossEntropy(model.logits(fx, true), fy, null));
            return Map.of("loss", loss);
        }

        @Override
        public void close() {
            if (loader != null) {
                loader.close();
            }
        }
    }

    /** Config blob stored with checkpoints of this trainer. */
    public static Map<String, Object> config(Object modelConfig, TrainConfig cfg, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelConfig);
        m.put("train", cfg);
        m.put("seed", seed);
        return m;
    }
}
