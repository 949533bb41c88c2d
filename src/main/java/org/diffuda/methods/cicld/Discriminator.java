package org.diffuda.methods.cicld;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;

/**
 * CICLD's domain discriminator f_dis: the U-Net encoder's pooled features (N, C) → FC 1024 → ReLU
 * → FC K (K = 3: source, mixed, target; 2 for the two-class game).
 */
public final class Discriminator extends Module {
    /** Domain labels of the three-class game. */
    public static final int SOURCE = 0;
    public static final int MIXED = 1;
    public static final int TARGET = 2;

    private final Linear fc1;
    private final Linear fc2;

    public Discriminator(int in, int hidden, int classes) {
        fc1 = child("fc1", new Linear(in, hidden));
        fc2 = child("fc2", new Linear(hidden, classes));
    }

    public NDArray apply(NDArray features, boolean training) {
        return fc2.forward(Ops.relu(fc1.forward(features, training)), training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(apply(inputs.head(), training));
    }

    /** D_KL(softmax(logits) ‖ U) = Σ p log p + log K per row, averaged over the rows: 0 when the discriminator cannot tell. */
    public static NDArray klToUniform(NDArray logits) {
        long k = logits.getShape().get(1);
        NDArray logp = logits.logSoftmax(1);
        NDArray negEntropy = logp.exp().mul(logp).sum(new int[] {1});
        return negEntropy.add(Tensors.scalar(negEntropy, Math.log(k))).mean();
    }

    /** Domain labels (int64) of n rows, all {@code domain}. */
    public static NDArray labels(NDArray like, long n, int domain) {
        return like.getManager().full(new ai.djl.ndarray.types.Shape(n), domain, DataType.INT64);
    }

    /** Share of rows whose argmax is their label. */
    public static double accuracy(NDArray logits, NDArray labels) {
        return logits.argMax(1).toType(DataType.INT64, false).eq(labels).toType(DataType.FLOAT32, false).mean().getFloat();
    }
}
