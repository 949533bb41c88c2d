package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.GroupNorm;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;

/**
 * diffusers' ResnetBlock2D: GroupNorm-SiLU-conv1, plus the projected time embedding, then
 * GroupNorm-SiLU-dropout-conv2, and a 1×1 conv_shortcut when channels change. Without a time
 * embedding (VAE) there is no time_emb_proj.
 */
public final class ResnetBlock2D extends Module {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final float dropout;

    public ResnetBlock2D(int in, int out, int tembChannels, int groups, float eps, float dropout) {
        norm1 = child("norm1", new GroupNorm(groups, in, eps));
        conv1 = child("conv1", Conv2d.same(in, out, 3));
        timeEmbProj = tembChannels > 0 ? child("time_emb_proj", new Linear(tembChannels, out)) : null;
        norm2 = child("norm2", new GroupNorm(groups, out, eps));
        conv2 = child("conv2", Conv2d.same(out, out, 3));
        convShortcut = in != out ? child("conv_shortcut", new Conv2d(in, out, 1, 1, 0)) : null;
        this.dropout = dropout;
    }

    public NDArray apply(NDArray x, NDArray temb, boolean training) {
        return org.diffuda.nn.Tensors.freeing(() -> compute(x, temb, training), x, temb);
    }

    private NDArray compute(NDArray x, NDArray temb, boolean training) {
        NDArray h = conv1.forward(Ops.silu(norm1.forward(x, training)), training);
        if (timeEmbProj != null && temb != null) {
            NDArray t = timeEmbProj.forward(Ops.silu(temb), training);
            h = h.add(t.expandDims(2).expandDims(3));
        }
        h = Ops.silu(norm2.forward(h, training));
        if (training && dropout > 0) {
            h = h.getNDArrayInternal().dropout(h, dropout, true).singletonOrThrow();
        }
        h = conv2.forward(h, training);
        NDArray skip = convShortcut == null ? x : convShortcut.forward(x, training);
        return skip.add(h);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(apply(inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }
}
