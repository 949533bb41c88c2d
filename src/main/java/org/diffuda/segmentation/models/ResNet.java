package org.diffuda.segmentation.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.nn.BatchNorm2d;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;

/**
 * ResNet-18/50/101 with torchvision parameter names (conv1, bn1, layer1.0.conv1, ...,
 * layerN.0.downsample.0/1). Output stride 8 or 16 by dilating the last stages (DeepLab).
 * Forward returns the four stage outputs (strides 4, 8, 8|16, 8|16|32).
 */
public final class ResNet extends Module {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final List<ModuleList> layers = new ArrayList<>();
    private final List<Integer> channels = new ArrayList<>();

    public ResNet(String depth, int width, int outputStride) {
        int[] blocks;
        boolean bottleneck;
        switch (depth) {
            case "resnet18" -> { blocks = new int[] {2, 2, 2, 2}; bottleneck = false; }
            case "resnet34" -> { blocks = new int[] {3, 4, 6, 3}; bottleneck = false; }
            case "resnet50" -> { blocks = new int[] {3, 4, 6, 3}; bottleneck = true; }
            case "resnet101" -> { blocks = new int[] {3, 4, 23, 3}; bottleneck = true; }
            default -> throw new IllegalArgumentException("unknown ResNet '" + depth + "' (resnet18, resnet34, resnet50, resnet101)");
        }
        int[] strides = {1, 2, outputStride <= 8 ? 1 : 2, outputStride <= 16 ? 1 : 2};
        int[] dilations = {1, 1, outputStride <= 8 ? 2 : 1, outputStride <= 8 ? 4 : (outputStride <= 16 ? 2 : 1)};
        conv1 = child("conv1", new Conv2d(3, width, 7, 2, 3, 1, 1, false));
        bn1 = child("bn1", new BatchNorm2d(width));
        int expansion = bottleneck ? 4 : 1;
        int in = width;
        for (int s = 0; s < 4; s++) {
            int planes = width << s;
            ModuleList layer = new ModuleList();
            for (int b = 0; b < blocks[s]; b++) {
                int stride = b == 0 ? strides[s] : 1;
                int dil = dilations[s];
                layer.add(bottleneck ? new Bottleneck(in, planes, stride, dil) : new Basic(in, planes, stride, dil));
                in = planes * expansion;
            }
            layers.add(child("layer" + (s + 1), layer));
            channels.add(in);
        }
    }

    public List<Integer> channels() {
        return channels;
    }

    public List<NDArray> stages(NDArray x, boolean training) {
        NDArray y = Ops.relu(bn1.forward(conv1.forward(x, training), training));
        y = y.getNDArrayInternal().maxPool(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        List<NDArray> out = new ArrayList<>();
        for (ModuleList l : layers) {
            y = l.apply(y, training);
            out.add(y);
        }
        return out;
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(stages(inputs.head(), training));
    }

    /** Shortcut projection named downsample.0 (conv) and downsample.1 (bn). */
    private static ModuleList downsample(int in, int out, int stride) {
        return new ModuleList().add(new Conv2d(in, out, 1, stride, 0, 1, 1, false)).add(new BatchNorm2d(out));
    }

    static final class Basic extends Module {
        private final Conv2d conv1;
        private final BatchNorm2d bn1;
        private final Conv2d conv2;
        private final BatchNorm2d bn2;
        private final ModuleList downsample;

        Basic(int in, int planes, int stride, int dil) {
            conv1 = child("conv1", new Conv2d(in, planes, 3, stride, dil, dil, 1, false));
            bn1 = child("bn1", new BatchNorm2d(planes));
            conv2 = child("conv2", new Conv2d(planes, planes, 3, 1, dil, dil, 1, false));
            bn2 = child("bn2", new BatchNorm2d(planes));
            downsample = stride != 1 || in != planes ? child("downsample", downsample(in, planes, stride)) : null;
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            NDArray x = inputs.head();
            return new NDList(Tensors.freeing(() -> {
                NDArray y = Ops.relu(bn1.forward(conv1.forward(x, training), training));
                y = bn2.forward(conv2.forward(y, training), training);
                NDArray id = downsample == null ? x : downsample.apply(x, training);
                return Ops.relu(y.add(id));
            }, x));
        }
    }

    static final class Bottleneck extends Module {
        private final Conv2d conv1;
        private final BatchNorm2d bn1;
        private final Conv2d conv2;
        private final BatchNorm2d bn2;
        private final Conv2d conv3;
        private final BatchNorm2d bn3;
        private final ModuleList downsample;

        Bottleneck(int in, int planes, int stride, int dil) {
            conv1 = child("conv1", new Conv2d(in, planes, 1, 1, 0, 1, 1, false));
            bn1 = child("bn1", new BatchNorm2d(planes));
            conv2 = child("conv2", new Conv2d(planes, planes, 3, stride, dil, dil, 1, false));
            bn2 = child("bn2", new BatchNorm2d(planes));
            conv3 = child("conv3", new Conv2d(planes, planes * 4, 1, 1, 0, 1, 1, false));
            bn3 = child("bn3", new BatchNorm2d(planes * 4));
            downsample = stride != 1 || in != planes * 4 ? child("downsample", downsample(in, planes * 4, stride)) : null;
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            NDArray x = inputs.head();
            return new NDList(Tensors.freeing(() -> {
                NDArray y = Ops.relu(bn1.forward(conv1.forward(x, training), training));
                y = Ops.relu(bn2.forward(conv2.forward(y, training), training));
                y = bn3.forward(conv3.forward(y, training), training);
                NDArray id = downsample == null ? x : downsample.apply(x, training);
                return Ops.relu(y.add(id));
            }, x));
        }
    }
}
