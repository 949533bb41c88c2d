package org.diffuda.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.nn.Module;
import org.diffuda.nn.ParamNames;
import org.diffuda.training.Optimizer;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Timing;

/** Train-step and sampling-step time of the default pixel U-Net and of the small SD U-Net. */
public final class DiffusionBenchmark {
    private DiffusionBenchmark() {}

    public static Map<String, Object> run(int warmup, int iters, long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("intra_op_threads", Engines.intraOpThreads());
        out.put("warmup", warmup);
        out.put("iterations_timed", iters);
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel pixel = new UNet2DModel(UNet2DConfig.small()).init(m, Generator.of(seed, "init:unet"));
            out.put("pixel_unet", time(pixel, pixel, new Shape(16, 3, 32, 64), null, warmup, iters, m));
            UNet2DConditionModel sd = new UNet2DConditionModel(UNet2DConditionConfig.small()).init(m, Generator.of(seed, "init:sd_unet"));
            NDArray ctx = Generator.of(seed, "bench:context").randn(m, new Shape(32, 16, UNet2DConditionConfig.small().crossAttentionDim()));
            out.put("sd_unet", time(sd, sd, new Shape(32, 4, 8, 16), ctx, warmup, iters, m));
        }
        return out;
    }

    static Map<String, Object> time(Module model, Denoiser d, Shape shape, NDArray ctx, int warmup, int iters, NDManager m) {
        Generator gen = Generator.of(0, "bench:inputs");
        var params = ParamNames.trainable(model);
        Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, 0.0);
        int n = (int) shape.get(0);
        float[] t = new float[n];
        java.util.Arrays.fill(t, 500);
        Conditioning c = ctx == null ? Conditioning.NONE : Conditioning.text(ctx);
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        Timing.Stats train = Timing.measure(warmup, iters, () -> {
            try (NDManager sub = m.newSubManager()) {
                NDArray x = gen.randn(sub, shape);
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    gc.backward(d.predict(x, t, c, true).sub(x).square().mean());
                }
                opt.step(1e-4);
            }
        });
        params.values().forEach(p -> p.getArray().setRequiresGradient(false));
        Timing.Stats sample = Timing.measure(warmup, iters, () -> {
            try (NDManager sub = m.newSubManager()) {
                d.predict(gen.randn(sub, shape), t, c, false).toFloatArray();
            }
        });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("parameters", params.values().stream().mapToLong(p -> p.getShape().size()).sum());
        r.put("batch_shape", shape.toString());
        r.put("train_step", train.toMap());
        r.put("sampling_step", sample.toMap());
        r.put("sampling_step_ms_per_image", sample.medianMs() / n);
        return r;
    }
}
