package org.diffuda.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.nn.ParamNames;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Optimizer;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;

/** Throughput of a segmenter: training (forward + backward + AdamW step) and inference images/s. */
public final class SegBenchmark {
    private SegBenchmark() {}

    public static Map<String, Object> run(SegModelConfig cfg, int batch, int h, int w, int warmup, int iters, long seed) {
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter model = Generator.of(seed, "init:segmenter").seeded(() -> SegModels.create(cfg, m));
            Generator gen = Generator.of(seed, "bench:inputs");
            var params = ParamNames.trainable(model);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, 0.01);
            double trainSecs = 0;
            for (int i = 0; i < warmup + iters; i++) {
                long t0 = System.nanoTime();
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = gen.rand(sub, new Shape(batch, 3, h, w), 0f, 1f);
                    NDArray y = gen.seeded(() -> sub.randomInteger(0, cfg.numClasses(), new Shape(batch, h, w), DataType.INT64));
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        gc.backward(Losses.crossEntropy(model.logits(x, true), y, null));
                    }
                    opt.step(1e-4);
                }
                if (i >= warmup) {
                    trainSecs += (System.nanoTime() - t0) / 1e9;
                }
            }
            params.values().forEach(p -> p.getArray().setRequiresGradient(false));
            double inferSecs = 0;
            for (int i = 0; i < warmup + iters; i++) {
                long t0 = System.nanoTime();
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = gen.rand(sub, new Shape(batch, 3, h, w), 0f, 1f);
                    model.logits(x, false).argMax(1).toType(DataType.INT32, false).toIntArray();
                }
                if (i >= warmup) {
                    inferSecs += (System.nanoTime() - t0) / 1e9;
                }
            }
            long nParams = ParamNames.trainable(model).values().stream().mapToLong(p -> p.getArray().size()).sum();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", cfg);
            out.put("parameters", nParams);
            out.put("batch", batch);
            out.put("height", h);
            out.put("width", w);
            out.put("iterations_timed", iters);
            out.put("intra_op_threads", Engines.intraOpThreads());
            out.put("device", "cpu");
            out.put("train_ms_per_iter", 1000 * trainSecs / iters);
            out.put("train_images_per_s", batch * iters / trainSecs);
            out.put("inference_ms_per_batch", 1000 * inferSecs / iters);
            out.put("inference_images_per_s", batch * iters / inferSecs);
            return out;
        }
    }
}
