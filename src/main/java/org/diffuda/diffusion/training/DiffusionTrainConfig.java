package org.diffuda.diffusion.training;

import org.diffuda.util.Configs;

/**
 * ε-prediction training of a denoiser (seeds' Eq. 1): uniform t, MSE, AdamW, global-norm
 * clipping, EMA. {@link #pengReal()} is Peng et al.'s pixel DDPM recipe; {@link #small()} the
 * embedded world's.
 */
public record DiffusionTrainConfig(int iterations, int batchSize, int height, int width, double lr, double weightDecay,
                                   double clipNorm, double emaDecay, double condDropout, int warmupIters,
                                   int checkpointEvery) {
    /** Adam 2e-5, batch 4, 256×512 crops of target images. */
    public static DiffusionTrainConfig pengReal() {
        return new DiffusionTrainConfig(300000, 4, 256, 512, 2e-5, 0.0, 1.0, 0.9999, 0.0, 0, 10000);
    }

    public static DiffusionTrainConfig small() {
        return new DiffusionTrainConfig(3000, 16, 32, 64, 5e-4, 0.0, 1.0, 0.999, 0.0, 200, 250);
    }

    public DiffusionTrainConfig withIterations(int n) {
        return Configs.with(this, "iterations", n);
    }
}
