package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.nn.Tensors;
import org.diffuda.util.Generator;

/**
 * Images ↔ scaled latents through an AutoencoderKL, as every latent pipeline does: images in
 * [0, 1] are mapped to [−1, 1], encoded (the mode of q(z|x), or a sample drawn from a
 * generator) and multiplied by {@code scaling_factor}; decoding divides, decodes and maps back to
 * [0, 1]. Large batches go through in chunks, each in its own memory scope.
 */
public final class LatentCodec {
    /** Images per encoder/decoder call, at most. */
    public static final int CHUNK = 64;
    /**
     * Activation values of one full-resolution layer per call (images × pixels × the VAE's first
     * width): 64 images of the embedded world's 64×128 through its 16-channel autoencoder. Larger
     * images go through in fewer per call — Stable Diffusion's 128-channel autoencoder takes one
     * 512×512 image at a time — so a call holds what the embedded world's does, never all of a
     * real-scale batch's activations at once.
     */
    static final long VALUES_PER_CALL = 64L * 64 * 128 * 16;

    private LatentCodec() {}

    /** The VAE's spatial down-sampling factor (8 for Stable Diffusion). */
    public static int downsampling(AutoencoderKL vae) {
        return vae.config().downsampling();
    }

    /** Scaled latents of images in [0, 1]; {@code sample == null} takes the mode. */
    public static NDArray encode(AutoencoderKL vae, NDArray images, Generator sample) {
        return Tensors.inSlices(images, 0, imagesPerCall(vae, images), x -> vae.encode(Tensors.affine(x, 2, -1), sample, false));
    }

    /** Images in [0, 1] from scaled latents. */
    public static NDArray decode(AutoencoderKL vae, NDArray latents) {
        int f = downsampling(vae);
        long[] s = latents.getShape().getShape();
        int per = imagesPerCall(vae.config(), s[2] * f, s[3] * f);
        return Tensors.inSlices(latents, 0, per, z -> Tensors.div(vae.decode(z, false).add(1f), 2).clip(0f, 1f));
    }

    /**
     * Raw (unscaled) latent means of images in [0, 1], for choosing a scaling factor: SD chose
     * 0.18215 ≈ 1/std of its latents.
     */
    public static NDArray encodeUnscaled(AutoencoderKL vae, NDArray images) {
        return Tensors.inSlices(images, 0, imagesPerCall(vae, images), x -> vae.encodeDist(Tensors.affine(x, 2, -1), false)[0]);
    }

    /** 1/std of latents, SD's rule for {@code scaling_factor}. */
    public static double scalingFactor(NDArray rawLatents) {
        return scalingFactor(new float[][] {rawLatents.toFloatArray()});
    }

    /** The same over latents held as parts (their values in order, as one array). */
    public static double scalingFactor(float[][] rawLatents) {
        double sum = 0, sq = 0;
        long count = 0;
        for (float[] v : rawLatents) {
            for (float f : v) {
                sum += f;
                sq += (double) f * f;
            }
            count += v.length;
        }
        double mean = sum / count;
        return 1.0 / Math.sqrt(sq / count - mean * mean);
    }

    /** How many images of h × w pixels one encoder or decoder call takes: {@link #CHUNK} at the embedded world's sizes, fewer above. */
    public static int imagesPerCall(org.diffuda.diffusion.models.AutoencoderKLConfig vae, long h, long w) {
        long values = h * w * vae.blockOutChannels().get(0);
        return (int) Math.max(1, Math.min(CHUNK, VALUES_PER_CALL / Math.max(1, values)));
    }

    private static int imagesPerCall(AutoencoderKL vae, NDArray images) {
        return imagesPerCall(vae.config(), images.getShape().get(2), images.getShape().get(3));
    }
}
