package org.diffuda.segmentation.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;
import org.diffuda.nn.Ops;

/**
 * DAFormer: a MiT encoder with the context-aware fusion decoder. Each stage is embedded by a
 * linear layer to C channels (embed_layers.i.proj), upsampled to stride 4, concatenated, and
 * fused by an ASPP of depthwise-separable convolutions (fuse_layer.aspp_modules, bottleneck);
 * dropout 0.1, then the 1×1 classifier conv_seg.
 */
public final class SegFormer extends Segmenter {
    private final MixTransformer backbone;
    private final Head head;

    public SegFormer(SegModelConfig cfg) {
        super(cfg);
        backbone = child("backbone", new MixTransformer(cfg.backbone(), cfg.width(), cfg.dropPath()));
        head = child("decode_head", new Head(backbone.dims(), cfg.headChannels(), cfg.dilations(), cfg.numClasses()));
    }

    @Override
    public Output run(NDArray images, boolean training) {
        List<NDArray> feats = backbone.stages(normalize(images), training);
        return new Output(head.apply(feats, training), feats);
    }

    static final class Head extends Module {
        private final ModuleList embeds = new ModuleList();
        private final Fuse fuse;
        private final Conv2d cls;

        Head(int[] dims, int ch, List<Integer> dilations, int classes) {
            for (int d : dims) {
                embeds.add(new Mlp(d, ch));
            }
            child("embed_layers", embeds);
            fuse = child("fuse_layer", new Fuse(ch * dims.length, ch, dilations));
            cls = child("conv_seg", new Conv2d(ch, classes, 1, 1, 0));
        }

        NDArray apply(List<NDArray> feats, boolean training) {
            long h = feats.get(0).getShape().get(2), w = feats.get(0).getShape().get(3);
            NDList ups = new NDList();
            for (int i = 0; i < feats.size(); i++) {
                NDArray f = feats.get(i);
                long n = f.getShape().get(0), c = f.getShape().get(1), fh = f.getShape().get(2), fw = f.getShape().get(3);
                NDArray t = ((Mlp) embeds.get(i)).proj.forward(f.reshape(n, c, fh * fw).transpose(0, 2, 1), training);
                NDArray img = t.transpose(0, 2, 1).reshape(n, -1, fh, fw);
                ups.add(Ops.resize(img, h, w, Ops.BILINEAR));
            }
            NDArray y = fuse.apply(NDArrays.concat(ups, 1), training);
            if (training) {
                y = y.getNDArrayInternal().dropout(y, 0.1f, true).singletonOrThrow();
            }
            return cls.forward(y, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs, training));
        }
    }

    static final class Mlp extends Module {
        final Linear proj;

        Mlp(int in, int out) {
            proj = child("proj", new Linear(in, out));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return proj.forward(inputs, training);
        }
    }

    /** DAFormer's ASPPWrapper without image pooling. */
    static final class Fuse extends Module {
        private final ModuleList aspp = new ModuleList();
        private final ConvModule bottleneck;

        Fuse(int in, int ch, List<Integer> dilations) {
            for (int d : dilations) {
                aspp.add(d == 1 ? new ConvModule(in, ch, 1) : new ConvModule.Separable(in, ch, 3, d));
            }
            child("aspp_modules", aspp);
            bottleneck = child("bottleneck", new ConvModule(dilations.size() * ch, ch, 3));
        }

        NDArray apply(NDArray x, boolean training) {
            NDList parts = new NDList();
            for (Module m : aspp.items()) {
                parts.add(m.forward(x, training));
            }
            return run(bottleneck, NDArrays.concat(parts, 1), training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head(), training));
        }
    }
}
