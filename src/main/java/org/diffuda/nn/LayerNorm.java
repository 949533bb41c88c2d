package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** torch.nn.LayerNorm over the last axis. */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int dim;
    private final float eps;

    public LayerNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = param("weight", new Shape(dim), Init.ONES);
        this.bias = param("bias", new Shape(dim), Init.ZEROS);
    }

    public LayerNorm(int dim) {
        this(dim, 1e-5f);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        NDArray x = inputs.head();
        return x.getNDArrayInternal().layerNorm(x, new Shape(dim), weight.getArray(), bias.getArray(), eps);
    }
}
