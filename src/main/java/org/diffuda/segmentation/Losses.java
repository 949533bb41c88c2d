package org.diffuda.segmentation;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffuda.data.Classes;

/** Segmentation losses built from native ops (libtorch has no ignore-index CE exposed by DJL). */
public final class Losses {
    private Losses() {}

    /**
     * Pixel-wise cross entropy with ignore index 255 and optional per-pixel weights.
     * Logits (N, K, H, W), labels int64 (N, H, W), weights float (N, H, W) or null. Reduction as in
     * mmsegmentation 0.x / DAFormer: the mean over all pixels, ignored ones contributing zero.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels, NDArray weights) {
        NDArray valid = labels.neq(Classes.IGNORE);
        NDArray safe = labels.mul(valid.toType(DataType.INT64, false));
        NDArray logp = logits.logSoftmax(1);
        NDArray picked = logp.gather(safe.expandDims(1), 1).squeeze(1);
        NDArray mask = valid.toType(DataType.FLOAT32, false);
        if (weights != null) {
            mask = mask.mul(weights);
        }
        return picked.mul(mask).neg().mean();
    }

    /** Cross entropy summed over the labelled pixels (gradient guidance: per-pixel gradients independent of image size). */
    public static NDArray crossEntropySum(NDArray logits, NDArray labels) {
        NDArray valid = labels.neq(Classes.IGNORE);
        NDArray safe = labels.mul(valid.toType(DataType.INT64, false));
        NDArray picked = logits.logSoftmax(1).gather(safe.expandDims(1), 1).squeeze(1);
        return picked.mul(valid.toType(DataType.FLOAT32, false)).neg().sum();
    }

    /** Cross entropy averaged over the labelled pixels only (used for guidance, where 255 must not dilute). */
    public static NDArray crossEntropyValid(NDArray logits, NDArray labels) {
        NDArray valid = labels.neq(Classes.IGNORE);
        NDArray safe = labels.mul(valid.toType(DataType.INT64, false));
        NDArray picked = logits.logSoftmax(1).gather(safe.expandDims(1), 1).squeeze(1);
        NDArray mask = valid.toType(DataType.FLOAT32, false);
        return picked.mul(mask).neg().sum().div(Tensors.maximum(mask.sum(), 1));
    }
}
