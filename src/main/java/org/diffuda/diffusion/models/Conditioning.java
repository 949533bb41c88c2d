package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What a conditional denoiser attends to: text (or other) token embeddings for cross-attention,
 * and ControlNet residuals added to the skip connections and the mid block.
 */
public record Conditioning(NDArray context, List<NDArray> downResiduals, NDArray midResidual) {
    public static final Conditioning NONE = new Conditioning(null, null, null);

    public static Conditioning text(NDArray context) {
        return new Conditioning(context, null, null);
    }

    public Conditioning withControl(List<NDArray> down, NDArray mid) {
        return new Conditioning(context, down, mid);
    }
}
