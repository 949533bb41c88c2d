package org.diffuda.segmentation.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.LayerNorm;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;

/**
 * SegFormer's Mix Transformer encoder (MiT-B0..B5) with the original parameter names
 * (patch_embed1.proj, block1.0.attn.q/kv/sr/norm/proj, block1.0.mlp.fc1/dwconv.dwconv/fc2, norm1).
 * Overlapping patch embeddings, efficient self-attention with spatial reduction, Mix-FFN with a
 * 3×3 depthwise convolution, stochastic depth. Stage strides 4, 8, 16, 32.
 */
public final class MixTransformer extends Module {
    private static final int[] HEADS = {1, 2, 5, 8};
    private static final int[] SR = {8, 4, 2, 1};
    private final List<PatchEmbed> embeds = new ArrayList<>();
    private final List<ModuleList> blocks = new ArrayList<>();
    private final List<LayerNorm> norms = new ArrayList<>();
    private final int[] dims;

    /** @param widthEighths 8 = the paper's dims; 4 = half width (embedded scale) */
    public MixTransformer(String variant, int widthEighths, double dropPath) {
        int[] base = variant.equals("mit-b0") ? new int[] {32, 64, 160, 256} : new int[] {64, 128, 320, 512};
        int[] depths = switch (variant) {
            case "mit-b0", "mit-b1" -> new int[] {2, 2, 2, 2};
            case "mit-b2" -> new int[] {3, 4, 6, 3};
            case "mit-b3" -> new int[] {3, 4, 18, 3};
            case "mit-b4" -> new int[] {3, 8, 27, 3};
            case "mit-b5" -> new int[] {3, 6, 40, 3};
            default -> throw new IllegalArgumentException("unknown MiT '" + variant + "' (mit-b0 ... mit-b5)");
        };
        dims = new int[4];
        for (int i = 0; i < 4; i++) {
            dims[i] = Math.max(HEADS[i] * 4, base[i] * widthEighths / 8 / HEADS[i] * HEADS[i]);
        }
        int total = depths[0] + depths[1] + depths[2] + depths[3];
        int k = 0;
        for (int s = 0; s < 4; s++) {
            int in = s == 0 ? 3 : dims[s - 1];
            embeds.add(child("patch_embed" + (s + 1), new PatchEmbed(in, dims[s], s == 0 ? 7 : 3, s == 0 ? 4 : 2)));
            ModuleList stage = new ModuleList();
            for (int b = 0; b < depths[s]; b++) {
                double dp = total > 1 ? dropPath * k / (total - 1) : 0;
                stage.add(new Block(dims[s], HEADS[s], SR[s], dp));
                k++;
            }
            blocks.add(child("block" + (s + 1), stage));
            norms.add(child("norm" + (s + 1), new LayerNorm(dims[s], 1e-6f)));
        }
    }

    public int[] dims() {
        return dims.clone();
    }

    public List<NDArray> stages(NDArray x, boolean training) {
        List<NDArray> out = new ArrayList<>();
        NDArray y = x;
        for (int s = 0; s < 4; s++) {
            y = embeds.get(s).forward(y, training);
            long n = y.getShape().get(0), c = y.getShape().get(1), h = y.getShape().get(2), w = y.getShape().get(3);
            NDArray tokens = y.reshape(n, c, h * w).transpose(0, 2, 1);
            tokens = embeds.get(s).norm.forward(tokens, training);
            for (Module b : blocks.get(s).items()) {
                tokens = ((Block) b).apply(tokens, h, w, training);
            }
            tokens = norms.get(s).forward(tokens, training);
            y = tokens.transpose(0, 2, 1).reshape(n, c, h, w);
            out.add(y);
        }
        return out;
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(stages(inputs.head(), training));
    }

    static final class PatchEmbed extends Module {
        final Conv2d proj;
        final LayerNorm norm;

        PatchEmbed(int in, int dim, int patch, int stride) {
            proj = child("proj", new Conv2d(in, dim, patch, stride, patch / 2));
            norm = child("norm", new LayerNorm(dim));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return proj.forward(inputs, training);
        }
    }

    static final class Block extends Module {
        private final LayerNorm norm1;
        private final Attention attn;
        private final LayerNorm norm2;
        private final MixFfn mlp;
        private final double dropPath;

        Block(int dim, int heads, int sr, double dropPath) {
            norm1 = child("norm1", new LayerNorm(dim, 1e-6f));
            attn = child("attn", new Attention(dim, heads, sr));
            norm2 = child("norm2", new LayerNorm(dim, 1e-6f));
            mlp = child("mlp", new MixFfn(dim, dim * 4));
            this.dropPath = dropPath;
        }

        NDArray apply(NDArray x, long h, long w, boolean training) {
            return Tensors.freeing(() -> {
                NDArray y = x.add(dropPath(attn.apply(norm1.forward(x, training), h, w, training), training));
                return y.add(dropPath(mlp.apply(norm2.forward(y, training), h, w, training), training));
            }, x);
        }

        /** Stochastic depth: drops the residual branch per sample, rescaling the kept ones. */
        private NDArray dropPath(NDArray y, boolean training) {
            if (!training || dropPath <= 0) {
                return y;
            }
            float keep = (float) (1 - dropPath);
            NDArray mask = Tensors.div(y.getManager().randomUniform(0f, 1f, new Shape(y.getShape().get(0), 1, 1))
                    .lt(keep).toType(y.getDataType(), false), keep);
            return y.mul(mask);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through MixTransformer");
        }
    }

    static final class Attention extends Module {
        private final Linear q;
        private final Linear kv;
        private final Linear proj;
        private final Conv2d sr;
        private final LayerNorm norm;
        private final int heads;
        private final int dim;

        Attention(int dim, int heads, int srRatio) {
            this.dim = dim;
            this.heads = heads;
            q = child("q", new Linear(dim, dim));
            kv = child("kv", new Linear(dim, dim * 2));
            proj = child("proj", new Linear(dim, dim));
            if (srRatio > 1) {
                sr = child("sr", new Conv2d(dim, dim, srRatio, srRatio, 0));
                norm = child("norm", new LayerNorm(dim));
            } else {
                sr = null;
                norm = null;
            }
        }

        NDArray apply(NDArray x, long h, long w, boolean training) {
            long n = x.getShape().get(0), len = x.getShape().get(1), hd = dim / heads;
            NDArray qh = q.forward(x, training).reshape(n, len, heads, hd).transpose(0, 2, 1, 3);
            NDArray src = x;
            if (sr != null) {
                NDArray img = x.transpose(0, 2, 1).reshape(n, dim, h, w);
                NDArray red = sr.forward(img, training);
                src = norm.forward(red.reshape(n, dim, -1).transpose(0, 2, 1), training);
            }
            long m = src.getShape().get(1);
            NDArray kvh = kv.forward(src, training).reshape(n, m, 2, heads, hd).transpose(2, 0, 3, 1, 4);
            NDArray k = kvh.get(0), v = kvh.get(1);
            NDArray att = Tensors.mul(qh.matMul(k.transpose(0, 1, 3, 2)), (float) (1 / Math.sqrt(hd))).softmax(-1);
            NDArray out = att.matMul(v).transpose(0, 2, 1, 3).reshape(n, len, dim);
            return proj.forward(out, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through Block");
        }
    }

    static final class MixFfn extends Module {
        private final Linear fc1;
        private final Conv2d dw;
        private final Linear fc2;
        private final int hidden;

        MixFfn(int dim, int hidden) {
            this.hidden = hidden;
            fc1 = child("fc1", new Linear(dim, hidden));
            dw = child("dwconv", new DwWrapper(hidden)).conv;
            fc2 = child("fc2", new Linear(hidden, dim));
        }

        NDArray apply(NDArray x, long h, long w, boolean training) {
            long n = x.getShape().get(0);
            NDArray y = fc1.forward(x, training);
            NDArray img = y.transpose(0, 2, 1).reshape(n, hidden, h, w);
            y = dw.forward(img, training).reshape(n, hidden, h * w).transpose(0, 2, 1);
            return fc2.forward(Activation.gelu(y), training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through Block");
        }
    }

    /** SegFormer's DWConv module holds its conv as {@code dwconv}, hence mlp.dwconv.dwconv. */
    static final class DwWrapper extends Module {
        final Conv2d conv;

        DwWrapper(int ch) {
            conv = child("dwconv", new Conv2d(ch, ch, 3, 1, 1, 1, ch, true));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return conv.forward(inputs, training);
        }
    }
}
