package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;

/**
 * The down, mid and up blocks shared by UNet2DModel, UNet2DConditionModel and ControlNetModel,
 * named as diffusers names them (resnets.N, attentions.N, downsamplers.0, upsamplers.0). The
 * attention of a block is spatial self-attention (Attn*Block2D), a Transformer2D with
 * cross-attention (CrossAttn*Block2D), or none (DownBlock2D / UpBlock2D).
 */
public final class UNetBlocks {
    private UNetBlocks() {}

    /** Which attention a block carries. */
    public record AttentionSpec(String kind, int headDim, int heads, int crossDim, int layers) {
        public static final AttentionSpec NONE = new AttentionSpec("none", 0, 0, 0, 0);

        public static AttentionSpec spatial(int headDim) {
            return new AttentionSpec("spatial", headDim, 0, 0, 0);
        }

        public static AttentionSpec cross(int heads, int crossDim, int layers) {
            return new AttentionSpec("cross", 0, heads, crossDim, layers);
        }

        Module build(int ch, int groups, float eps) {
            return switch (kind) {
                case "spatial" -> new SpatialAttention(ch, headDim, groups, eps);
                case "cross" -> new Transformer2D(ch, heads, ch / heads, layers, crossDim, groups);
                default -> throw new IllegalStateException("no attention");
            };
        }

        static NDArray run(Module m, NDArray x, NDArray context, boolean training) {
            return m instanceof Transformer2D t ? t.apply(x, context, training) : ((SpatialAttention) m).apply(x, training);
        }
    }

    public static final class Down extends Module {
        private final ModuleList resnets = new ModuleList();
        private final ModuleList attentions = new ModuleList();
        private final Resample downsampler;

        public Down(int in, int out, int temb, int layers, AttentionSpec att, boolean downsample, int groups, float eps,
                    float dropout) {
            this(in, out, temb, layers, att, downsample, groups, eps, dropout, 1);
        }

        /** @param padding diffusers' downsample_padding: 1, or 0 = pad right/bottom by one, then a stride-2 conv */
        public Down(int in, int out, int temb, int layers, AttentionSpec att, boolean downsample, int groups, float eps,
                    float dropout, int padding) {
            for (int i = 0; i < layers; i++) {
                resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, temb, groups, eps, dropout));
                if (!att.kind().equals("none")) {
                    attentions.add(att.build(out, groups, eps));
                }
            }
            if (attentions.size() > 0) {
                child("attentions", attentions);
            }
            child("resnets", resnets);
            if (downsample) {
                downsampler = padding == 0 ? Resample.downAsymmetric(out) : Resample.down(out);
                child("downsamplers", new ModuleList().add(downsampler));
            } else {
                downsampler = null;
            }
        }

        /** Returns the block output; appends every skip tensor to {@code skips}. */
        public NDArray apply(NDArray x, NDArray temb, NDArray context, List<NDArray> skips, boolean training) {
            for (int i = 0; i < resnets.size(); i++) {
                x = ((ResnetBlock2D) resnets.get(i)).apply(x, temb, training);
                if (attentions.size() > 0) {
                    x = AttentionSpec.run(attentions.get(i), x, context, training);
                }
                skips.add(x);
            }
            if (downsampler != null) {
                x = downsampler.apply(x, training);
                skips.add(x);
            }
            return x;
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through the U-Net");
        }
    }

    /** UNetMidBlock2D / UNetMidBlock2DCrossAttn: resnet, attention, resnet. */
    public static final class Mid extends Module {
        private final ModuleList resnets = new ModuleList();
        private final ModuleList attentions = new ModuleList();

        public Mid(int ch, int temb, AttentionSpec att, int groups, float eps, float dropout) {
            if (!att.kind().equals("none")) {
                attentions.add(att.build(ch, groups, eps));
                child("attentions", attentions);
            }
            resnets.add(new ResnetBlock2D(ch, ch, temb, groups, eps, dropout));
            resnets.add(new ResnetBlock2D(ch, ch, temb, groups, eps, dropout));
            child("resnets", resnets);
        }

        public NDArray apply(NDArray x, NDArray temb, NDArray context, boolean training) {
            x = ((ResnetBlock2D) resnets.get(0)).apply(x, temb, training);
            if (attentions.size() > 0) {
                x = AttentionSpec.run(attentions.get(0), x, context, training);
            }
            return ((ResnetBlock2D) resnets.get(1)).apply(x, temb, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through the U-Net");
        }
    }

    public static final class Up extends Module {
        private final ModuleList resnets = new ModuleList();
        private final ModuleList attentions = new ModuleList();
        private final Resample upsampler;

        /**
         * @param prevOut channels coming from the block below; @param skipIn channels of the
         *                deepest skip this block consumes last (the encoder block's input)
         */
        public Up(int prevOut, int out, int skipIn, int temb, int layers, AttentionSpec att, boolean upsample, int groups,
                  float eps, float dropout) {
            for (int i = 0; i < layers; i++) {
                int resSkip = i == layers - 1 ? skipIn : out;
                int resIn = i == 0 ? prevOut : out;
                resnets.add(new ResnetBlock2D(resIn + resSkip, out, temb, groups, eps, dropout));
                if (!att.kind().equals("none")) {
                    attentions.add(att.build(out, groups, eps));
                }
            }
            if (attentions.size() > 0) {
                child("attentions", attentions);
            }
            child("resnets", resnets);
            if (upsample) {
                upsampler = Resample.up(out);
                child("upsamplers", new ModuleList().add(upsampler));
            } else {
                upsampler = null;
            }
        }

        public int layers() {
            return resnets.size();
        }

        /** Consumes skips from the end of {@code skips}. */
        public NDArray apply(NDArray x, NDArray temb, NDArray context, List<NDArray> skips, boolean training) {
            for (int i = 0; i < resnets.size(); i++) {
                NDArray skip = skips.remove(skips.size() - 1);
                x = ((ResnetBlock2D) resnets.get(i)).apply(x.concat(skip, 1), temb, training);
                if (attentions.size() > 0) {
                    x = AttentionSpec.run(attentions.get(i), x, context, training);
                }
            }
            return upsampler == null ? x : upsampler.apply(x, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through the U-Net");
        }
    }

    /** Adds ControlNet residuals to the skip tensors in place (same order as the skips). */
    static List<NDArray> addResiduals(List<NDArray> skips, List<NDArray> residuals) {
        if (residuals == null) {
            return skips;
        }
        if (residuals.size() != skips.size()) {
            throw new IllegalArgumentException("ControlNet gives " + residuals.size() + " residuals for " + skips.size() + " skips");
        }
        List<NDArray> out = new ArrayList<>(skips.size());
        for (int i = 0; i < skips.size(); i++) {
            out.add(skips.get(i).add(residuals.get(i)));
        }
        return out;
    }

    /**
     * The encoder path every U-Net-shaped model shares: down block i maps ch[i-1] → ch[i] with the
     * attention its type names, downsampling all but the last. Returned in order.
     */
    static List<Down> downs(List<Integer> ch, List<String> types, java.util.function.Function<String, AttentionSpec> attention,
                            int temb, int layers, int groups, float eps, float dropout) {
        return downs(ch, types, attention, temb, layers, groups, eps, dropout, 1);
    }

    static List<Down> downs(List<Integer> ch, List<String> types, java.util.function.Function<String, AttentionSpec> attention,
                            int temb, int layers, int groups, float eps, float dropout, int padding) {
        List<Down> out = new ArrayList<>();
        int prev = ch.get(0);
        for (int i = 0; i < ch.size(); i++) {
            out.add(new Down(prev, ch.get(i), temb, layers, attention.apply(types.get(i)), i < ch.size() - 1, groups, eps, dropout,
                    padding));
            prev = ch.get(i);
        }
        return out;
    }

    /** The decoder path: up block i (deepest first) consumes layers+1 skips and upsamples all but the last. */
    static List<Up> ups(List<Integer> ch, List<String> types, java.util.function.Function<String, AttentionSpec> attention,
                        int temb, int layers, int groups, float eps, float dropout) {
        List<Integer> rev = new ArrayList<>(ch);
        java.util.Collections.reverse(rev);
        List<Up> out = new ArrayList<>();
        int prev = rev.get(0);
        for (int i = 0; i < rev.size(); i++) {
            out.add(new Up(prev, rev.get(i), rev.get(Math.min(i + 1, rev.size() - 1)), temb, layers + 1,
                    attention.apply(types.get(i)), i < rev.size() - 1, groups, eps, dropout));
            prev = rev.get(i);
        }
        return out;
    }

    /** Registers blocks as children 0, 1, ... of a ModuleList. */
    static ModuleList list(List<? extends Module> blocks) {
        ModuleList l = new ModuleList();
        blocks.forEach(l::add);
        return l;
    }
}
