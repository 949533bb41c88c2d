package org.diffuda.nn;

import ai.djl.ndarray.NDArray;

/** Small compositions of native ops that several models use. */
public final class Ops {
    private Ops() {}

    public static final int NEAREST = 0;
    public static final int BILINEAR = 1;
    public static final int AREA = 2;

    /** Resizes an (N, C, H, W) array. Bilinear antialiases when downsampling (DJL quirk). */
    public static NDArray resize(NDArray x, long h, long w, int mode) {
        long[] s = x.getShape().getShape();
        if (s[2] == h && s[3] == w) {
            return x;
        }
        return x.getNDArrayInternal().interpolation(new long[] {h, w}, mode, false);
    }

    public static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }

    /**
     * Ops whose receiver is a parameter put their result in the model's manager, which lives as
     * long as the model: such temporaries are moved to the manager of the activation they serve.
     */
    public static NDArray local(NDArray temp, NDArray like) {
        temp.attach(like.getManager());
        return temp;
    }

    /** SiLU = x·σ(x); DJL exposes no native silu, so sigmoid then multiply (two kernels). */
    public static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }
}
