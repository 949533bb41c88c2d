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
    /** One logged iteration. */
    public record Step(long iter, double loss, double lr, double seconds) {}

    /** What a run leaves: the loss history and the wall time of this process's share. */
    public record Result(List<Step> history, double seconds, long resumedFrom) {}

    /** The training state saved in a checkpoint. */
    public record State(long iteration, long seed, List<Step> history) {}

    /**
     * A per-batch augmentation that needs tensor ops (e.g. forward-process noise); it runs in the
     * batch's sub-manager and must draw its randomness from (seed, iteration) only, so resumed
     * runs see the same batches.
     */
    public interface BatchAugment {
        /** Returns {images, labels}, possibly the inputs themselves. */
        NDArray[] apply(NDArray images, NDArray labels, long iteration);
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

    /** The training pipeline: random scale, crop (cat_max_ratio), flip, photometric jitter. */
    public static Transforms.Transform pipeline(TrainConfig c) {
        List<Transforms.Transform> ts = new ArrayList<>();
        ts.add(Transforms.randomScale(c.cropHeight(), c.cropWidth(), c.scaleMin(), c.scaleMax()));
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
    public Result train(List<Dataset> data, Path ckptDir, Object config, BadInput bad, long stopAfter) {
        Optimizer opt = optimizer();
        LrSchedule lr = schedule();
        List<Step> history = new ArrayList<>();
        long start = 0;
        if (ckptDir != null && Checkpoint.exists(ckptDir)) {
            Checkpoint.loadWeights(ckptDir, model);
            Checkpoint.loadOptimizer(ckptDir, opt);
            State st = Json.readFile(ckptDir.resolve(Checkpoint.STATE), State.class);
            start = st.iteration();
            history.addAll(st.history());
        }
        Engines.engine();
        long t0 = System.nanoTime();
        NDManager root = model.getParameters().get(0).getValue().getArray().getManager();
        ParamNames.trainable(model).values().forEach(p -> p.getArray().setRequiresGradient(true));
        opt.zeroGradients();
        int workers = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() - 1));
        try (Loader loader = new Loader(data, Loader.epochSampler(data, seed), cfg.batchSize(), pipeline(cfg), seed,
                start, workers, 4, bad);
             Progress progress = new Progress("train", cfg.iterations(), start)) {
            for (long it = start; it < cfg.iterations(); it++) {
                Batch batch = loader.next();
                double rate = lr.at(it);
                double loss;
                try (NDManager sub = root.newSubManager()) {
                    NDArray x = batch.images(sub);
                    NDArray y = batch.labels(sub);
                    if (augment != null) {
                        NDArray[] xy = augment.apply(x, y, it);
                        x = xy[0];
                        y = xy[1];
                    }
                    Engines.seed(Rng.mix(seed, 0xD0L, it)); // dropout / drop-path draws depend on the iteration only
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        NDArray l = Losses.crossEntropy(model.logits(x, true), y, null);
                        gc.backward(l);
                        loss = l.getFloat();
                    }
                    opt.step(rate);
                }
                history.add(new Step(it + 1, loss, rate, (System.nanoTime() - t0) / 1e9));
                progress.step(String.format("loss %.3f", loss));
                boolean last = it + 1 == cfg.iterations();
                boolean stop = stopAfter > 0 && it + 1 - start >= stopAfter;
                if (ckptDir != null && (last || stop || (it + 1) % cfg.checkpointEvery() == 0)) {
                    Checkpoint.save(ckptDir, config, model, opt, new State(it + 1, seed, history));
                }
                if (stop) {
                    break;
                }
            }
        }
        ParamNames.trainable(model).values().forEach(p -> p.getArray().setRequiresGradient(false));
        return new Result(history, (System.nanoTime() - t0) / 1e9, start);
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
