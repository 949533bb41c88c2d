package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;

/** diffusers' Downsample2D / Upsample2D with a convolution named {@code conv}. */
public final class Resample extends Module {
    private final Conv2d conv;
    private final boolean up;
    private final boolean asymmetricPad;

    private Resample(Conv2d conv, boolean up, boolean asymmetricPad) {
        this.conv = child("conv", conv);
        this.up = up;
        this.asymmetricPad = asymmetricPad;
    }

    /** Stride-2 3×3 conv, padding 1 (U-Nets). */
    public static Resample down(int ch) {
        return new Resample(new Conv2d(ch, ch, 3, 2, 1), false, false);
    }

    /** The VAE encoder's variant: pad right/bottom by one, then stride-2 conv without padding. */
    public static Resample downAsymmetric(int ch) {
        return new Resample(new Conv2d(ch, ch, 3, 2, 0), false, true);
    }

    /** Nearest ×2 then 3×3 conv (no transposed convolution: DJL lacks it and it is slower). */
    public static Resample up(int ch) {
        return new Resample(Conv2d.same(ch, ch, 3), true, false);
    }

    public NDArray apply(NDArray x, boolean training) {
        if (up) {
            long h = x.getShape().get(2), w = x.getShape().get(3);
            return conv.forward(Ops.resize(x, h * 2, w * 2, Ops.NEAREST), training);
        }
        if (asymmetricPad) {
            x = x.pad(new ai.djl.ndarray.types.Shape(0, 1, 0, 1), 0);
        }
        return conv.forward(x, training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(apply(inputs.head(), training));
    }
}
