package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * torch.nn.GroupNorm. DJL has no group_norm op, so the input is reshaped to (N, G, C/G·H·W) and
 * normalised by the native layer_norm over the last axis (two native kernels instead of a
 * mean/var composition), then scaled per channel.
 */
public final class GroupNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int groups;
    private final int channels;
    private final float eps;

    public GroupNorm(int groups, int channels, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels are not divisible by " + groups + " groups");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = param("weight", new Shape(channels), Init.ONES);
        this.bias = param("bias", new Shape(channels), Init.ZEROS);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        NDArray x = inputs.head();
        Shape s = x.getShape();
        long n = s.get(0);
        long per = s.size() / n / groups;
        NDArray g = x.reshape(n, groups, per);
        NDArray ones = x.getManager().ones(new Shape(per));
        NDArray zeros = x.getManager().zeros(new Shape(per));
        NDArray y = g.getNDArrayInternal().layerNorm(g, new Shape(per), ones, zeros, eps).singletonOrThrow().reshape(s);
        long[] bshape = new long[s.dimension()];
        java.util.Arrays.fill(bshape, 1);
        bshape[1] = channels;
        NDArray w = Ops.local(weight.getArray().reshape(bshape), x);
        NDArray b = Ops.local(bias.getArray().reshape(bshape), x);
        return new NDList(y.mul(w).add(b));
    }
}
