package org.diffuda.segmentation.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;
import org.diffuda.nn.Ops;

/**
 * DeepLabV3+ (mmsegmentation's DepthwiseSeparableASPPHead): ResNet backbone, ASPP with image
 * pooling on the last stage, a 48-channel projection of stage 1, fusion by two separable
 * 3×3 convolutions, 1×1 classifier. Logits come out at stride 4.
 */
public final class DeepLabV3Plus extends Segmenter {
    private final ResNet backbone;
    private final Head head;

    public DeepLabV3Plus(SegModelConfig cfg) {
        super(cfg);
        backbone = child("backbone", new ResNet(cfg.backbone(), cfg.width(), cfg.outputStride()));
        List<Integer> ch = backbone.channels();
        head = child("decode_head", new Head(ch.get(3), ch.get(0), cfg.headChannels(), cfg.dilations(), cfg.numClasses()));
    }

    @Override
    public Output run(NDArray images, boolean training) {
        List<NDArray> feats = backbone.stages(normalize(images), training);
        return new Output(head.apply(feats.get(0), feats.get(3), training), feats);
    }

    static final class Head extends Module {
        private final ConvModule imagePool;
        private final ModuleList aspp = new ModuleList();
        private final ConvModule bottleneck;
        private final ConvModule c1;
        private final ModuleList sep = new ModuleList();
        private final Conv2d cls;

        Head(int in, int lowIn, int ch, List<Integer> dilations, int classes) {
            // image_pool is Sequential(AdaptiveAvgPool2d, ConvModule): the conv is index 1
            imagePool = new ConvModule(in, ch, 1);
            child("image_pool", new PoolWrapper(imagePool));
            for (int d : dilations) {
                aspp.add(d == 1 ? new ConvModule(in, ch, 1) : new ConvModule.Separable(in, ch, 3, d));
            }
            child("aspp_modules", aspp);
            bottleneck = child("bottleneck", new ConvModule((dilations.size() + 1) * ch, ch, 3));
            int lowCh = Math.max(8, ch * 48 / 512); // 48 for the real-scale 512 channels
            c1 = child("c1_bottleneck", new ConvModule(lowIn, lowCh, 1));
            sep.add(new ConvModule.Separable(ch + lowCh, ch, 3, 1)).add(new ConvModule.Separable(ch, ch, 3, 1));
            child("sep_bottleneck", sep);
            cls = child("conv_seg", new Conv2d(ch, classes, 1, 1, 0));
        }

        NDArray apply(NDArray low, NDArray x, boolean training) {
            long h = x.getShape().get(2), w = x.getShape().get(3);
            // global average pool; DJL's mean takes one axis only, so flatten H×W first
            NDArray pooled = x.reshape(x.getShape().get(0), x.getShape().get(1), h * w).mean(new int[] {2}, true).expandDims(3);
            NDList parts = new NDList(Ops.resize(run(imagePool, pooled, training), h, w, Ops.BILINEAR));
            for (Module m : aspp.items()) {
                parts.add(m.forward(x, training));
            }
            NDArray y = run(bottleneck, concat(parts), training);
            NDArray l = run(c1, low, training);
            y = Ops.resize(y, l.getShape().get(2), l.getShape().get(3), Ops.BILINEAR);
            y = sep.apply(y.concat(l, 1), training);
            return cls.forward(y, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.get(0), inputs.get(1), training));
        }
    }

    /** Names the pooled branch's conv image_pool.1 as in mmseg's Sequential. */
    static final class PoolWrapper extends Module {
        PoolWrapper(ConvModule conv) {
            child("0", new ModuleList());
            child("1", conv);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through the head");
        }
    }

    static NDArray concat(NDList parts) {
        return parts.size() == 1 ? parts.head() : ai.djl.ndarray.NDArrays.concat(parts, 1);
    }
}
