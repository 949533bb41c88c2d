package org.diffuda.segmentation.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.diffuda.nn.BatchNorm2d;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;

/** mmcv's ConvModule: conv (no bias) → BatchNorm → ReLU, children named conv and bn. */
public final class ConvModule extends Module {
    private final Conv2d conv;
    private final BatchNorm2d bn;
    private final boolean relu;

    public ConvModule(int in, int out, int kernel, int dilation, int groups, boolean relu) {
        this.conv = child("conv", new Conv2d(in, out, kernel, 1, dilation * (kernel / 2), dilation, groups, false));
        this.bn = child("bn", new BatchNorm2d(out));
        this.relu = relu;
    }

    public ConvModule(int in, int out, int kernel) {
        this(in, out, kernel, 1, 1, true);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        NDArray x = inputs.head();
        return new NDList(Tensors.freeing(() -> {
            NDArray y = bn.forward(conv.forward(x, training), training);
            return relu ? Ops.relu(y) : y;
        }, x));
    }

    /** mmcv's DepthwiseSeparableConvModule: depthwise_conv then pointwise_conv, both ConvModules. */
    public static final class Separable extends Module {
        private final ConvModule depthwise;
        private final ConvModule pointwise;

        public Separable(int in, int out, int kernel, int dilation) {
            this.depthwise = child("depthwise_conv", new ConvModule(in, in, kernel, dilation, in, true));
            this.pointwise = child("pointwise_conv", new ConvModule(in, out, 1));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return pointwise.forward(depthwise.forward(inputs, training), training);
        }
    }
}
