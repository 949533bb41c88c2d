package org.diffuda.diffusion.prior;

import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;

/**
 * The embedded text-to-image prior: image size, the VAE (its architecture and training), and the
 * U-Net + text encoder's (ε-prediction, AdamW 1e-3, EMA, 10% caption dropout, as measured in the
 * benchmark spec). A null {@code vae} is {@link AutoencoderKLConfig#small()}, the shipped prior's.
 */
public record PriorConfig(int height, int width, int vaeIterations, int vaeBatch, double vaeLr, double klWeight,
                          DiffusionTrainConfig unet, double captionDropout, int maxTokens, AutoencoderKLConfig vae) {
    public PriorConfig {
        if (vae == null) {
            vae = AutoencoderKLConfig.small();
        }
    }

    public static PriorConfig small() {
        return new PriorConfig(32, 64, 2000, 16, 1e-3, 1e-6,
                new DiffusionTrainConfig(8000, 32, 32, 64, 1e-3, 0.0, 1.0, 0.999, 0.1, 200, 250), 0.1, 16, null);
    }

    public PriorConfig withUnetIterations(int n) {
        return new PriorConfig(height, width, vaeIterations, vaeBatch, vaeLr, klWeight, unet.withIterations(n), captionDropout,
                maxTokens, vae);
    }

    public PriorConfig withVaeIterations(int n) {
        return new PriorConfig(height, width, n, vaeBatch, vaeLr, klWeight, unet, captionDropout, maxTokens, vae);
    }
}
