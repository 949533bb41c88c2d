package org.diffuda.nn;

import ai.djl.ndarray.NDArray;

/** Small compositions of native ops that several models use. */
public final class Ops {
    private Ops() {}

    public static final int NEAREST = 0;
    /** Bilinear with half-pixel centres, not antialiased: torch's F.interpolate(mode="bilinear", align_corners=False). */
    public static final int BILINEAR = 1;
    public static final int AREA = 2;
    /** Antialiased bilinear (torch's antialias=True, PIL-like): for downsampling images, only when asked for. */
    public static final int BILINEAR_AA = 3;

    private static final java.util.Map<Long, float[]> MATRICES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Resizes an (N, C, H, W) array. BILINEAR is torch's default bilinear (mmseg's resize,
     * diffusers' interpolate): DJL's native bilinear always antialiases, which changes
     * downsampling and costs twice the plain kernel, so it is computed here as two products with
     * the (out × in) interpolation matrices — native GEMMs forward and backward, and exactly the
     * plain kernel's weights. A 1×1 input is broadcast (bilinear from one pixel is constant).
     */
    public static NDArray resize(NDArray x, long h, long w, int mode) {
        long[] s = x.getShape().getShape();
        if (s[2] == h && s[3] == w) {
            return x;
        }
        if (mode == BILINEAR) {
            if (s[2] == 1 && s[3] == 1) {
                return x.broadcast(s[0], s[1], h, w);
            }
            NDArray y = x;
            if (s[3] != w) {
                y = y.matMul(interpolation(x, (int) s[3], (int) w).transpose());
            }
            if (s[2] != h) {
                y = interpolation(x, (int) s[2], (int) h).matMul(y);
            }
            return y;
        }
        return x.getNDArrayInternal().interpolation(new long[] {h, w}, mode == BILINEAR_AA ? BILINEAR : mode, false);
    }

    /** The (out × in) matrix of 1-D linear interpolation with half-pixel centres, clamped at the borders. */
    static float[] interpolationMatrix(int in, int out) {
        return MATRICES.computeIfAbsent(((long) in << 32) | out, k -> {
            float[] m = new float[out * in];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double src = Math.max((o + 0.5) * scale - 0.5, 0);
                int i0 = (int) Math.floor(src);
                int i1 = Math.min(i0 + 1, in - 1);
                float l = (float) (src - i0);
                m[o * in + i0] += 1 - l;
                m[o * in + i1] += l;
            }
            return m;
        });
    }

    private static NDArray interpolation(NDArray like, int in, int out) {
        NDArray m = Tensors.create(like.getManager(), interpolationMatrix(in, out), new ai.djl.ndarray.types.Shape(out, in));
        return like.getDataType() == m.getDataType() ? m : m.toType(like.getDataType(), false);
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
