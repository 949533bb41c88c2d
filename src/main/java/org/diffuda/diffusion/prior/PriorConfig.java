package org.diffuda.diffusion.prior;

import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;

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
        return Configs.with(this, "unet", unet.withIterations(n));
    }

    /**
     * This prior at {@code height} × {@code width} images with autoencoder {@code vae}; the latent
     * must pass the U-Net's own down-sampling too, so both sides must divide by the product.
     */
    public PriorConfig withSize(int height, int width, AutoencoderKLConfig vae) {
        int unetDown = UNet2DConditionConfig.small().downsampling(); // the prior's U-Net (EmbeddedPrior builds it from small())
        int need = vae.downsampling() * unetDown;
        if (height % need != 0 || width % need != 0) {
            throw new DiffudaException("--height/--width: " + height + "x" + width + " must be divisible by " + need
                    + " (the VAE's down-sampling " + vae.downsampling() + " × the U-Net's " + unetDown + ")");
        }
        return Configs.with(this, "height", height, "width", width, "vae", vae);
    }

    public PriorConfig withVaeIterations(int n) {
        return Configs.with(this, "vaeIterations", n);
    }
}
