package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * torch.nn.Conv2d: weight (out, in/groups, k, k), optional bias.
 *
 * <p>libtorch 2.7.1's oneDNN gives a wrong input gradient (off by up to 90%, sometimes NaN, and
 * dependent on where buffers sit) for an ungrouped convolution with a kernel over 1x1 whose output
 * channels are not a multiple of the CPU's vector width (8 floats with AVX2, 16 with AVX-512):
 * every stride-1 case measured against float64 on an AVX-512 EPYC, and a 7x7 stride-2 stem on
 * 3 input channels; 1x1 and grouped convolutions were right, and so are the forward pass and the
 * weight gradient. So when the input needs a gradient, such a layer runs with its output
 * channels zero-padded to a multiple of 16 and the padding sliced off: the same function, a
 * correct gradient. Inference (autograd not recording) is untouched.
 */
public final class Conv2d extends Module {
    /** Output-channel multiple that oneDNN's backward-data kernels get right on every x86 ISA. */
    static final int SAFE_CHANNELS = 16;
    private final Parameter weight;
    private final Parameter bias;
    private final Shape stride;
    private final Shape padding;
    private final Shape dilation;
    private final int groups;
    private final int out;
    private final boolean padForGradient;

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        long fanIn = (long) in / groups * kernel * kernel;
        this.weight = param("weight", new Shape(out, in / groups, kernel, kernel), Init.uniformFanIn(fanIn));
        this.bias = bias ? param("bias", new Shape(out), Init.uniformFanIn(fanIn)) : null;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        this.dilation = new Shape(dilation, dilation);
        this.groups = groups;
        this.out = out;
        this.padForGradient = groups == 1 && kernel > 1 && out % SAFE_CHANNELS != 0;
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
        NDArray w = weight.getArray();
        NDArray b = bias == null ? null : bias.getArray();
        // DJL's hasGradient() is false for a non-leaf array in the graph, so ask whether autograd records
        if (padForGradient && (ai.djl.pytorch.jni.JniUtils.isGradMode() || x.hasGradient())) {
            int extra = SAFE_CHANNELS - out % SAFE_CHANNELS;
            Shape ws = w.getShape();
            w = w.concat(x.getManager().zeros(new Shape(extra, ws.get(1), ws.get(2), ws.get(3)), w.getDataType()), 0);
            b = b == null ? null : b.concat(x.getManager().zeros(new Shape(extra), b.getDataType()), 0);
            NDArray y = x.getNDArrayInternal().convolution(x, w, b, stride, padding, dilation, groups).head();
            return new NDList(y.get(new ai.djl.ndarray.index.NDIndex(":, 0:{}", out)));
        }
        return x.getNDArrayInternal().convolution(x, w, b, stride, padding, dilation, groups);
    }
}
