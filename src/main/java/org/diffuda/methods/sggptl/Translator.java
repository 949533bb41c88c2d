package org.diffuda.methods.sggptl;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.nn.Ops;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Generator;

/**
 * φⁿ with optional SGG: diffuse the source n steps in closed form, then run the target
 * denoiser's reverse chain back to t = 0, the segmenter steering each mean toward the source
 * labels. Σ is chosen by the caller (the paper: β_t, fixed_large), whatever the denoiser's
 * scheduler says.
 */
public final class Translator {
    /**
     * @param arrangement null: unguided φⁿ (baseline, "w/o SGG")
     * @param height      the denoiser's working size (0: the images' own)
     * @param variance    "fixed_large" (Σ = β_t) or "fixed_small" (Σ = β̃_t), for sampling and guidance alike
     */
    public record Options(int n, int stepStride, double lambda, Arrangement arrangement, int height, int width, long seed,
                          String variance) {}

    /** The seed of the translation noise of batch {@code batch} at depth n in a run with {@code seed}. */
    public static long batchSeed(long seed, int n, int batch) {
        return org.diffuda.util.Rng.mix(seed, 0x7A, n, batch);
    }

    private Translator() {}

    /**
     * Translates a batch. {@code images} (B, 3, H, W) in [0, 1], {@code labels} (B, H, W) int64;
     * returns (B, 3, H, W) in [0, 1].
     */
    public static NDArray translate(Denoiser denoiser, SchedulerConfig sc, Segmenter g, NDArray images, NDArray labels,
                                    Options o) {
        long[] s = images.getShape().getShape();
        long h = o.height() > 0 ? o.height() : s[2], w = o.width() > 0 ? o.width() : s[3];
        NDArray x0 = Tensors.affine(Ops.resize(images, h, w, Ops.BILINEAR_AA), 2, -1); // an image downsampling: antialiased, as PIL would
        DdpmScheduler scheduler = new DdpmScheduler(sc.withClassName("DDPMScheduler").withVarianceType(o.variance()));
        scheduler.setTailTimesteps(o.n(), o.stepStride());
        int[] ts = scheduler.timesteps();
        Generator noise = Generator.of(o.seed(), "sgg translate");
        NDArray xn = scheduler.addNoise(x0, noise.randn(images.getManager(), x0.getShape()), ts[0]);
        SamplingHook hook = o.arrangement() == null || g == null ? SamplingHook.NONE
                : new SemanticGradientGuidance(g, labels, o.lambda(), o.arrangement(), ts.length, o.seed());
        NDArray out = DiffusionSampler.loop(denoiser, scheduler, xn, ts, Conditioning.NONE, null,
                DiffusionSampler.Options.of(ts.length).withGenerator(noise), hook);
        return Ops.resize(Tensors.div(out.add(1f), 2).clip(0f, 1f), s[2], s[3], Ops.BILINEAR);
    }
}
