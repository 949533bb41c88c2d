package org.diffuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

class Conv2dTest {

    /**
     * Few-output-channel layers: their input gradients must be right and the same on every repeat. Unpadded, libtorch 2.7.1's oneDNN
     * got them wrong by up to 90% (sometimes NaN) on an AVX-512 CPU, differently with where the
     * buffers sat; the float64 reference runs ATen's own convolution.
     */
    @Test
    void inputGradientMatchesFloat64AndRepeatsExactly() {
        // {in, out, kernel, stride}: conv_out of a pixel U-Net, an 8-wide layer, a 19-class head, an 8-wide ResNet stem
        for (int[] c : new int[][] {{16, 3, 3, 1}, {16, 8, 3, 1}, {16, 19, 3, 1}, {3, 8, 7, 2}}) {
            int out = c[1];
            float[] first = null;
            for (int rep = 0; rep < 6; rep++) {
                Engines.seed(7);
                try (NDManager m = Engines.engine().newBaseManager()) {
                    m.zeros(new Shape(rep * 37 + 1)); // move the buffers each repeat
                    Conv2d conv = new Conv2d(c[0], out, c[2], c[3], c[2] / 2).init(m);
                    NDArray x = m.arange(4 * c[0] * 16 * 32).toType(DataType.FLOAT32, false).mul(0.37f).sin().reshape(4, c[0], 16, 32);
                    x.setRequiresGradient(true);
                    NDArray y;
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        y = conv.forward(x, true);
                        gc.backward(y.square().sum());
                    }
                    float[] g = x.getGradient().toFloatArray();
                    // reference: d/dx sum(y^2) = conv_transpose(2y, w), via float64 autograd
                    NDArray x64 = x.toType(DataType.FLOAT64, false);
                    NDArray w64 = conv.weight().getArray().toType(DataType.FLOAT64, false);
                    NDArray b64 = ParamNames.of(conv).get("bias").getArray().toType(DataType.FLOAT64, false);
                    x64.setRequiresGradient(true);
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        NDArray y64 = x64.getNDArrayInternal().convolution(x64, w64, b64, new Shape(c[3], c[3]),
                                new Shape(c[2] / 2, c[2] / 2), new Shape(1, 1), 1).head();
                        gc.backward(y64.square().sum());
                    }
                    float[] ref = x64.getGradient().toType(DataType.FLOAT32, false).toFloatArray();
                    double scale = 0;
                    double err = 0;
                    for (int i = 0; i < ref.length; i++) {
                        scale = Math.max(scale, Math.abs(ref[i]));
                        double d = Math.abs(g[i] - ref[i]);
                        err = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(err, d);
                    }
                    assertTrue(err <= 1e-4 * scale, out + " output channels, repeat " + rep + ": input gradient off by " + err
                            + " (scale " + scale + ")");
                    assertTrue(y.getShape().equals(new Shape(4, out, 16 / c[3], 32 / c[3])), "padding sliced off: " + y.getShape());
                    if (first == null) {
                        first = g;
                    } else {
                        assertArrayEquals(first, g, out + " output channels, repeat " + rep);
                    }
                }
            }
        }
    }
}
