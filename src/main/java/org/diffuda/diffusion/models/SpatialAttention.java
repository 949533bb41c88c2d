package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.diffuda.nn.GroupNorm;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;

/**
 * diffusers' Attention as used by UNet2DModel's attention blocks and the VAE mid block:
 * group_norm, to_q / to_k / to_v, to_out.0, a residual connection, self-attention over H×W.
 */
public final class SpatialAttention extends Module {
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final int heads;
    private final int channels;

    public SpatialAttention(int channels, int headDim, int groups, float eps) {
        this.channels = channels;
        this.heads = headDim <= 0 ? 1 : Math.max(1, channels / headDim); // 0: one head (attention_head_dim null)
        groupNorm = child("group_norm", new GroupNorm(groups, channels, eps));
        toQ = child("to_q", new Linear(channels, channels));
        toK = child("to_k", new Linear(channels, channels));
        toV = child("to_v", new Linear(channels, channels));
        ModuleList out = child("to_out", new ModuleList());
        toOut = new Linear(channels, channels);
        out.add(toOut);
    }

    public NDArray apply(NDArray x, boolean training) {
        return org.diffuda.nn.Tensors.freeing(() -> compute(x, training), x);
    }

    private NDArray compute(NDArray x, boolean training) {
        long n = x.getShape().get(0), h = x.getShape().get(2), w = x.getShape().get(3);
        NDArray t = groupNorm.forward(x, training).reshape(n, channels, h * w).transpose(0, 2, 1);
        NDArray o = MultiHeadAttention.attend(toQ.forward(t, training), toK.forward(t, training), toV.forward(t, training), heads);
        o = toOut.forward(o, training).transpose(0, 2, 1).reshape(n, channels, h, w);
        return o.add(x);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(apply(inputs.head(), training));
    }
}
