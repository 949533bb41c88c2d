package org.diffuda.methods.sggptl;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Timing;

/**
 * Cost of one reverse step of the embedded configuration: the denoiser's forward, and with SGG
 * the segmenter's forward and backward — GSG once per image, LCG once per (image, class).
 * Labels are vertical bands of {@code classes} classes, the order of a street scene's count.
 */
public final class GuidanceBenchmark {
    private GuidanceBenchmark() {}

    public static Map<String, Object> run(int batch, int classes, int warmup, int iters, long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("intra_op_threads", Engines.intraOpThreads());
        out.put("batch", batch);
        out.put("warmup", warmup);
        out.put("iterations_timed", iters);
        out.put("classes_per_image", classes);
        out.put("denoiser_size", "32x64");
        out.put("segmenter_size", "64x128");
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel unet = new UNet2DModel(UNet2DConfig.small()).init(m, Generator.of(seed, "init:unet"));
            Segmenter g = Generator.of(seed, "init:segmenter").seeded(() -> SegModels.create(SegModelConfig.small(), m));
            long[] l = new long[batch * 64 * 128];
            for (int i = 0; i < l.length; i++) {
                l[i] = (i % 128) * classes / 128;
            }
            NDArray labels = Tensors.create(m, l, new Shape(batch, 64, 128));
            DdpmScheduler s = new DdpmScheduler(SchedulerConfig.ddpm().withVarianceType("fixed_large"));
            s.setTailTimesteps(300, 25);
            out.put("unguided_step_per_image", time(unet, s, SamplingHook.NONE, batch, warmup, iters, m).per(batch).toMap());
            out.put("gsg_step_per_image", time(unet, s, new SemanticGradientGuidance(g, labels, 0.2, Arrangement.GLOBAL_ONLY, 1, seed), batch, warmup, iters, m).per(batch).toMap());
            out.put("lcg_step_per_image", time(unet, s, new SemanticGradientGuidance(g, labels, 0.2, Arrangement.LOCAL_ONLY, 1, seed), batch, warmup, iters, m).per(batch).toMap());
        }
        return out;
    }

    static Timing.Stats time(UNet2DModel unet, DdpmScheduler s, SamplingHook hook, int batch, int warmup, int iters, NDManager m) {
        Generator gen = Generator.of(0, "bench sgg");
        int t = s.timesteps()[0];
        float[] ts = new float[batch];
        java.util.Arrays.fill(ts, t);
        return Timing.measure(warmup, iters, () -> {
            try (NDManager sub = m.newSubManager()) {
                NDArray x = gen.randn(sub, new Shape(batch, 3, 32, 64));
                NDArray mean = s.mean(unet.predict(x, ts, Conditioning.NONE, false), t, x).prevSample();
                s.sampleFrom(hook.guideMean(0, t, x, mean, s.variance(t)), t, gen).toFloatArray();
            }
        });
    }
}
