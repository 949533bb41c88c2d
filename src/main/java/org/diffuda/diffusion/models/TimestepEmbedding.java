package org.diffuda.diffusion.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;

/**
 * diffusers' Timesteps (sinusoidal projection, no parameters) followed by TimestepEmbedding
 * (linear_1 → SiLU → linear_2).
 */
public final class TimestepEmbedding extends Module {
    private final Linear linear1;
    private final Linear linear2;

    public TimestepEmbedding(int in, int out) {
        linear1 = child("linear_1", new Linear(in, out));
        linear2 = child("linear_2", new Linear(out, out));
    }

    public NDArray apply(NDArray proj, boolean training) {
        return linear2.forward(Ops.silu(linear1.forward(proj, training)), training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(apply(inputs.head(), training));
    }

    /**
     * Sinusoidal embedding of timesteps (N) → (N, dim): exponent −ln(10000)·i/(half − shift),
     * [sin, cos] or [cos, sin] when flipSinToCos.
     */
    public static NDArray sinusoidal(NDManager m, float[] timesteps, int dim, boolean flipSinToCos, float shift) {
        int half = dim / 2;
        NDArray exponent = Tensors.mul(m.arange(0, half, 1, DataType.FLOAT32), (float) (-Math.log(10000) / (half - shift)));
        NDArray args = Tensors.create(m, timesteps).expandDims(1).mul(exponent.exp().expandDims(0));
        NDArray sin = args.sin(), cos = args.cos();
        NDArray emb = flipSinToCos ? cos.concat(sin, 1) : sin.concat(cos, 1);
        if (dim % 2 == 1) {
            emb = emb.pad(new ai.djl.ndarray.types.Shape(0, 1), 0);
        }
        return emb;
    }
}
