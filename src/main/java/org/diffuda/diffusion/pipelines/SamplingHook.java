package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;

/**
 * Where a method reaches into a sampling loop, step by step: (a) edit the DDPM mean with a
 * gradient (classifier/segmenter guidance), (b) swap the denoiser (U-Net swap), (c) supply the
 * conditioning, e.g. ControlNet residuals computed from the current x_t.
 */
public interface SamplingHook {
    SamplingHook NONE = new SamplingHook() {};

    default Denoiser denoiser(int index, int t, Denoiser current) {
        return current;
    }

    default Conditioning conditioning(int index, int t, NDArray xt, Conditioning current) {
        return current;
    }

    /** DDPM only: returns μ̂ given x_t, μθ(x_t, t) and Σ_t. */
    default NDArray guideMean(int index, int t, NDArray xt, NDArray mean, double variance) {
        return mean;
    }
}
