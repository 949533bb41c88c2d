package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.GroupNorm;
import org.diffuda.nn.LayerNorm;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;

/**
 * diffusers' Transformer2DModel as SD-1.x uses it: GroupNorm, 1×1 proj_in, BasicTransformerBlocks
 * (self-attention attn1, cross-attention attn2 over the text/condition tokens, GEGLU feed-forward
 * ff.net.0.proj / ff.net.2, each after a LayerNorm), 1×1 proj_out, residual.
 */
public final class Transformer2D extends Module {
    private final GroupNorm norm;
    private final Conv2d projIn;
    private final ModuleList blocks = new ModuleList();
    private final Conv2d projOut;
    private final int inner;

    public Transformer2D(int channels, int heads, int headDim, int layers, int crossDim, int groups) {
        inner = heads * headDim;
        norm = child("norm", new GroupNorm(groups, channels, 1e-6f));
        projIn = child("proj_in", new Conv2d(channels, inner, 1, 1, 0));
        for (int i = 0; i < layers; i++) {
            blocks.add(new Block(inner, heads, crossDim));
        }
        child("transformer_blocks", blocks);
        projOut = child("proj_out", new Conv2d(inner, channels, 1, 1, 0));
    }

    public NDArray apply(NDArray x, NDArray context, boolean training) {
        return org.diffuda.nn.Tensors.freeing(() -> compute(x, context, training), x, context);
    }

    private NDArray compute(NDArray x, NDArray context, boolean training) {
        long n = x.getShape().get(0), h = x.getShape().get(2), w = x.getShape().get(3);
        NDArray t = projIn.forward(norm.forward(x, training), training).reshape(n, inner, h * w).transpose(0, 2, 1);
        for (Module b : blocks.items()) {
            t = ((Block) b).apply(t, context, training);
        }
        NDArray y = projOut.forward(t.transpose(0, 2, 1).reshape(n, inner, h, w), training);
        return y.add(x);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(apply(inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }

    /** diffusers' Attention with separate q/k/v projections (no bias) and to_out.0 (bias). */
    static final class Attention extends Module {
        private final Linear toQ;
        private final Linear toK;
        private final Linear toV;
        private final Linear toOut;
        private final int heads;

        Attention(int dim, int kvDim, int heads) {
            this.heads = heads;
            toQ = child("to_q", new Linear(dim, dim, false));
            toK = child("to_k", new Linear(kvDim, dim, false));
            toV = child("to_v", new Linear(kvDim, dim, false));
            toOut = new Linear(dim, dim);
            child("to_out", new ModuleList().add(toOut));
        }

        NDArray apply(NDArray x, NDArray context, boolean training) {
            NDArray kv = context == null ? x : context;
            NDArray o = MultiHeadAttention.attend(toQ.forward(x, training), toK.forward(kv, training), toV.forward(kv, training), heads);
            return toOut.forward(o, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
        }
    }

    /** GEGLU: proj to 2×hidden, split, value · gelu(gate). */
    static final class GeGlu extends Module {
        private final Linear proj;

        GeGlu(int dim, int hidden) {
            proj = child("proj", new Linear(dim, hidden * 2));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            NDArray y = proj.forward(inputs, training).head();
            NDList parts = y.split(2, y.getShape().dimension() - 1);
            return new NDList(parts.get(0).mul(parts.get(1).getNDArrayInternal().gelu()));
        }
    }

    static final class Block extends Module {
        private final LayerNorm norm1;
        private final Attention attn1;
        private final LayerNorm norm2;
        private final Attention attn2;
        private final LayerNorm norm3;
        private final GeGlu geglu;
        private final Linear ffOut;

        Block(int dim, int heads, int crossDim) {
            norm1 = child("norm1", new LayerNorm(dim));
            attn1 = child("attn1", new Attention(dim, dim, heads));
            norm2 = child("norm2", new LayerNorm(dim));
            attn2 = child("attn2", new Attention(dim, crossDim, heads));
            norm3 = child("norm3", new LayerNorm(dim));
            // ff.net = [GEGLU, Dropout, Linear]: parameters at net.0.proj and net.2
            geglu = new GeGlu(dim, dim * 4);
            ffOut = new Linear(dim * 4, dim);
            ModuleList net = new ModuleList().add(geglu).add(new ModuleList()).add(ffOut);
            child("ff", new FeedForward(net));
        }

        NDArray apply(NDArray x, NDArray context, boolean training) {
            x = x.add(attn1.apply(norm1.forward(x, training), null, training));
            x = x.add(attn2.apply(norm2.forward(x, training), context, training));
            NDArray h = geglu.forward(new NDList(norm3.forward(x, training)), training).head();
            return x.add(ffOut.forward(h, training));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
        }
    }

    /** Holds ff.net so the keys read ff.net.0.proj.weight, ff.net.2.weight. */
    static final class FeedForward extends Module {
        FeedForward(ModuleList net) {
            child("net", net);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through Block");
        }
    }
}
