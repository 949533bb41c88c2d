package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;

/**
 * What a sampling loop needs from a diffusion model: the prediction (ε, x₀ or v, as its
 * scheduler config says) for x_t at timesteps t under a conditioning. Schedulers never see it.
 */
public interface Denoiser {
    int inChannels();

    NDArray predict(NDArray x, float[] t, Conditioning cond, boolean training);
}
