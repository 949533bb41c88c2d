package org.diffuda.uda;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffuda.nn.Tensors;

/**
 * DAFormer's pseudo-labels: the argmax of the teacher's softmax, and ONE weight for the batch —
 * the fraction of pixels whose max probability reaches τ — optionally zeroed on the top and
 * bottom rows (ego-vehicle and rectification artefacts at real scale).
 *
 * @param labels  (N, H, W) int64
 * @param weight  (N, H, W) float: the batch's confident fraction, 0 on the ignored rows
 * @param confident the fraction itself, for logging
 */
public record PseudoLabels(NDArray labels, NDArray weight, double confident) {
    public static PseudoLabels of(NDArray probabilities, double threshold, int ignoreTop, int ignoreBottom) {
        NDArray max = probabilities.max(new int[] {1});
        NDArray labels = probabilities.argMax(1).toType(DataType.INT64, false);
        double frac = max.gte(Tensors.scalar(max, threshold)).toType(DataType.FLOAT32, false).mean().getFloat();
        long[] s = max.getShape().getShape();
        float[] rows = new float[(int) s[1]];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = r < ignoreTop || r >= rows.length - ignoreBottom ? 0f : (float) frac;
        }
        NDArray weight = Tensors.create(max.getManager(), rows).reshape(1, s[1], 1).broadcast(s[0], s[1], s[2]);
        return new PseudoLabels(labels, weight, frac);
    }
}
