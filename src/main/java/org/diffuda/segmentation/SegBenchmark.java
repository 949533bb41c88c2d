package org.diffuda.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.data.Dataset;
import org.diffuda.nn.ParamNames;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Optimizer;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Timing;

/**
 * Throughput of a segmenter: training (forward + backward + AdamW step) and inference, min and
 * median per batch after a warm-up; images/s from the median.
 */
public final class SegBenchmark {
    private SegBenchmark() {}

    public static Map<String, Object> run(SegModelConfig cfg, int batch, int h, int w, int warmup, int iters, long seed) {
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter model = Generator.of(seed, "init:segmenter").seeded(() -> SegModels.create(cfg, m));
            Generator gen = Generator.of(seed, "bench:inputs");
            var params = ParamNames.trainable(model);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, 0.01);
            Timing.Stats train = Timing.measure(warmup, iters, () -> {
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = gen.rand(sub, new Shape(batch, 3, h, w), 0f, 1f);
                    NDArray y = gen.seeded(() -> sub.randomInteger(0, cfg.numClasses(), new Shape(batch, h, w), DataType.INT64));
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        gc.backward(Losses.crossEntropy(model.logits(x, true), y, null));
                    }
                    opt.step(1e-4);
                }
            });
            params.values().forEach(p -> p.getArray().setRequiresGradient(false));
            Timing.Stats infer = Timing.measure(warmup, iters, () -> {
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = gen.rand(sub, new Shape(batch, 3, h, w), 0f, 1f);
                    model.logits(x, false).argMax(1).toType(DataType.INT32, false).toIntArray();
                }
            });
            long nParams = ParamNames.trainable(model).values().stream().mapToLong(p -> p.getArray().size()).sum();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", cfg);
            out.put("parameters", nParams);
            out.put("batch", batch);
            out.put("height", h);
            out.put("width", w);
            out.put("warmup", warmup);
            out.put("iterations_timed", iters);
            out.put("intra_op_threads", Engines.intraOpThreads());
            out.put("device", "cpu");
            out.put("train_step", train.toMap());
            out.put("train_images_per_s", 1000.0 * batch / train.medianMs());
            out.put("inference_batch", infer.toMap());
            out.put("inference_images_per_s", 1000.0 * batch / infer.medianMs());
            return out;
        }
    }

    /**
     * End-to-end training throughput on real data — PNG decoding, transforms, loader threads and
     * compute together, as {@code train-seg} runs — with the loader's decoded-sample cache on and
     * off. Each run trains a fresh model for {@code iters} iterations (no checkpoints).
     */
    public static Map<String, Object> endToEnd(SegModelConfig cfg, TrainConfig train, Dataset data, int iters, long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", data.name());
        out.put("images", data.size());
        out.put("iterations", iters);
        out.put("batch", train.batchSize());
        String before = System.getProperty("diffuda.loader.cache.mb");
        try {
            for (boolean cache : new boolean[] {false, true}) {
                if (cache) {
                    if (before == null) {
                        System.clearProperty("diffuda.loader.cache.mb");
                    } else {
                        System.setProperty("diffuda.loader.cache.mb", before);
                    }
                } else {
                    System.setProperty("diffuda.loader.cache.mb", "0");
                }
                try (NDManager m = Engines.engine().newBaseManager()) {
                    Segmenter model = Generator.of(seed, "init:segmenter").seeded(() -> SegModels.create(cfg, m));
                    var r = new SegTrainer(model, org.diffuda.util.Configs.with(train, "iterations", iters), seed)
                            .train(java.util.List.of(data), null, null, org.diffuda.data.BadInput.strict(), 0);
                    out.put(cache ? "cached_images_per_s" : "uncached_images_per_s", iters * train.batchSize() / r.seconds());
                }
            }
        } finally {
            if (before == null) {
                System.clearProperty("diffuda.loader.cache.mb");
            } else {
                System.setProperty("diffuda.loader.cache.mb", before);
            }
        }
        return out;
    }
}
