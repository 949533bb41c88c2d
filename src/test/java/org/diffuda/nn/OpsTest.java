package org.diffuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.function.UnaryOperator;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;

/** The fast paths of resize and GroupNorm compute what torch's reference ops compute. */
class OpsTest {
    @Test
    void bilinearUpsamplingMatchesTheNativeKernelValuesAndGradients() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray x = Generator.of(1, "x").randn(m, new Shape(2, 3, 5, 7));
            NDArray r = Generator.of(1, "r").randn(m, new Shape(2, 3, 20, 13));
            // upsampling: the antialiased kernel and the plain one agree, so the native op is a reference
            float[][] ours = valueAndGrad(x, r, a -> Ops.resize(a, 20, 13, Ops.BILINEAR));
            float[][] ref = valueAndGrad(x, r, a -> Ops.resize(a, 20, 13, Ops.BILINEAR_AA));
            assertArrayEquals(ref[0], ours[0], 1e-5f);
            assertArrayEquals(ref[1], ours[1], 1e-4f);
        }
    }

    @Test
    void bilinearDownsamplingIsNotAntialiased() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray x = Tensors.create(m, new float[] {0, 1, 2, 3, 4, 5, 6, 7}, new Shape(1, 1, 1, 8));
            // torch F.interpolate(size=(1, 4), mode="bilinear", align_corners=False): pairs averaged
            assertArrayEquals(new float[] {0.5f, 2.5f, 4.5f, 6.5f}, Ops.resize(x, 1, 4, Ops.BILINEAR).toFloatArray(), 1e-6f);
            // 8 → 3: source positions (o + 0.5)·8/3 − 0.5 = 0.8333, 3.5, 6.1667
            assertArrayEquals(new float[] {0.8333333f, 3.5f, 6.1666665f}, Ops.resize(x, 1, 3, Ops.BILINEAR).toFloatArray(), 1e-5f);
            // the antialiased kernel is a different filter, kept for image downsampling when asked for
            float aa = Ops.resize(x, 1, 4, Ops.BILINEAR_AA).toFloatArray()[1];
            assertEquals(2.5f, aa, 1e-5f); // symmetric taps around 2.5 in a linear ramp
            NDArray bump = Tensors.create(m, new float[] {0, 0, 0, 8, 0, 0, 0, 0}, new Shape(1, 1, 1, 8));
            assertArrayEquals(new float[] {0, 4, 0, 0}, Ops.resize(bump, 1, 4, Ops.BILINEAR).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0, 3, 1, 0}, Ops.resize(bump, 1, 4, Ops.BILINEAR_AA).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void bilinearFromOnePixelIsConstant() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray x = Tensors.create(m, new float[] {2, -1}, new Shape(1, 2, 1, 1));
            float[] y = Ops.resize(x, 3, 4, Ops.BILINEAR).toFloatArray();
            for (int i = 0; i < 24; i++) {
                assertEquals(i < 12 ? 2f : -1f, y[i]);
            }
        }
    }

    @Test
    void groupNormMatchesItsDefinitionWithGradients() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            GroupNorm gn = new GroupNorm(2, 4, 1e-5f);
            gn.init(m, Generator.of(3, "init"));
            NDArray w = ParamNames.of(gn).get("weight").getArray();
            NDArray b = ParamNames.of(gn).get("bias").getArray();
            Tensors.copyInto(w, Generator.of(3, "w").randn(m, new Shape(4)));
            Tensors.copyInto(b, Generator.of(3, "b").randn(m, new Shape(4)));
            NDArray x = Generator.of(3, "x").randn(m, new Shape(3, 4, 5, 6));
            NDArray r = Generator.of(3, "r").randn(m, new Shape(3, 4, 5, 6));
            // definition: per (n, group) mean and biased variance over C/G·H·W, then y·w_c + b_c
            UnaryOperator<NDArray> reference = a -> {
                NDArray g = a.reshape(3, 2, 60);
                NDArray mu = g.mean(new int[] {2}, true);
                NDArray var = g.sub(mu).square().mean(new int[] {2}, true);
                NDArray y = g.sub(mu).div(Tensors.affine(var, 1, 1e-5).sqrt()).reshape(3, 4, 5, 6);
                return y.mul(w.reshape(1, 4, 1, 1)).add(b.reshape(1, 4, 1, 1));
            };
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            float[][] ref = valueAndGrad(x, r, reference, w, b);
            float[][] ours = valueAndGrad(x, r, a -> gn.forward(new ai.djl.ndarray.NDList(a), true).head(), w, b);
            for (int i = 0; i < ref.length; i++) {
                assertArrayEquals(ref[i], ours[i], 1e-4f, "output/gradient " + i);
            }
        }
    }

    /** f(x), then ∂(Σ f(x)·r)/∂x and ∂/∂ each of {@code params}. */
    private static float[][] valueAndGrad(NDArray x0, NDArray r, UnaryOperator<NDArray> f, NDArray... params) {
        NDArray x = x0.duplicate();
        x.setRequiresGradient(true);
        float[] y;
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray out = f.apply(x);
            y = out.toFloatArray();
            gc.backward(out.mul(r).sum());
        }
        float[][] res = new float[2 + params.length][];
        res[0] = y;
        res[1] = x.getGradient().toFloatArray();
        for (int i = 0; i < params.length; i++) {
            res[2 + i] = params[i].getGradient().toFloatArray();
            Tensors.zero(params[i].getGradient());
        }
        return res;
    }
}
