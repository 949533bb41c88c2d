package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** torch.nn.Conv2d: weight (out, in/groups, k, k), optional bias. */
public final class Conv2d extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final Shape stride;
    private final Shape padding;
    private final Shape dilation;
    private final int groups;

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        long fanIn = (long) in / groups * kernel * kernel;
        this.weight = param("weight", new Shape(out, in / groups, kernel, kernel), Init.uniformFanIn(fanIn));
        this.bias = bias ? param("bias", new Shape(out), Init.uniformFanIn(fanIn)) : null;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        this.dilation = new Shape(dilation, dilation);
        this.groups = groups;
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 1, 1, true);
    }

    /** A "same" convolution with stride 1. */
    public static Conv2d same(int in, int out, int kernel) {
        return new Conv2d(in, out, kernel, 1, kernel / 2);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        NDArray x = inputs.head();
        NDArray b = bias == null ? null : bias.getArray();
        return x.getNDArrayInternal().convolution(x, weight.getArray(), b, stride, padding, dilation, groups);
    }
}
