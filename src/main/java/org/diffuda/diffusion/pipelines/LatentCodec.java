package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
    /** Images per encoder/decoder call. */
    public static final int CHUNK = 64;

    private LatentCodec() {}

    /** The VAE's spatial down-sampling factor (8 for Stable Diffusion). */
    public static int downsampling(AutoencoderKL vae) {
        return vae.config().downsampling();
    }

    /** Scaled latents of images in [0, 1]; {@code sample == null} takes the mode. */
    public static NDArray encode(AutoencoderKL vae, NDArray images, Generator sample) {
        return chunked(images, x -> vae.encode(Tensors.affine(x, 2, -1), sample, false));
    }

    /** Images in [0, 1] from scaled latents. */
    public static NDArray decode(AutoencoderKL vae, NDArray latents) {
        return chunked(latents, z -> Tensors.div(vae.decode(z, false).add(1f), 2).clip(0f, 1f));
    }

    /**
     * Raw (unscaled) latent means of images in [0, 1], for choosing a scaling factor: SD chose
     * 0.18215 ≈ 1/std of its latents.
     */
    public static NDArray encodeUnscaled(AutoencoderKL vae, NDArray images) {
        return chunked(images, x -> vae.encodeDist(Tensors.affine(x, 2, -1), false)[0]);
    }

    /** 1/std of latents, SD's rule for {@code scaling_factor}. */
    public static double scalingFactor(NDArray rawLatents) {
        float[] v = rawLatents.toFloatArray();
        double sum = 0, sq = 0;
        for (float f : v) {
            sum += f;
            sq += (double) f * f;
        }
        double mean = sum / v.length;
        return 1.0 / Math.sqrt(sq / v.length - mean * mean);
    }

    private static NDArray chunked(NDArray x, java.util.function.Function<NDArray, NDArray> fn) {
        long n = x.getShape().get(0);
        NDManager parent = x.getManager();
        NDList outs = new NDList();
        for (long i = 0; i < n; i += CHUNK) {
            try (NDManager sub = parent.newSubManager()) {
                NDArray part = x.get(i + ":" + Math.min(n, i + CHUNK));
                part.attach(sub);
                NDArray y = fn.apply(part);
                y.attach(parent);
                outs.add(y);
            }
        }
        if (outs.size() == 1) {
            return outs.get(0);
        }
        NDArray all = NDArrays.concat(outs, 0);
        outs.forEach(NDArray::close);
        return all;
    }
}
