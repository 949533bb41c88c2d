package org.diffuda.uda;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.diffuda.nn.Tensors;

/**
 * DACS/DAFormer's strong augmentation of the mixed images, images in [0, 1]:
 * <ul>
 *   <li>colour jitter with probability 0.8 per iteration, strength s = 0.2: brightness +U(−s, s),
 *   contrast ×U(1−s, 1+s), saturation ×U(1−s, 1+s), hue rotated by U(−s, s) of a turn, in a random
 *   order, each image its own factors, clamped to [0, 1] after each. (kornia's ColorJitter works in
 *   HSV for saturation and hue; diffuda uses the linear forms — a blend with the luma grey and a
 *   rotation in YIQ — which agree for small factors and are one native op each.)</li>
 *   <li>Gaussian blur with probability 0.5 per iteration, σ ~ U(0.15, 1.15) per image, kernel about
 *   10% of the side (odd), reflect padding, as DAFormer computes it.</li>
 * </ul>
 * Labels are untouched (both are photometric).
 */
public final class StrongAugment {
    public static final double STRENGTH = 0.2;
    private static final float[] LUMA = {0.299f, 0.587f, 0.114f};
    // RGB → YIQ (NTSC) and back
    private static final double[][] YIQ = {{0.299, 0.587, 0.114}, {0.596, -0.274, -0.322}, {0.211, -0.523, 0.312}};
    private static final double[][] RGB = {{1, 0.956, 0.621}, {1, -0.272, -0.647}, {1, -1.106, 1.703}};

    private StrongAugment() {}

    public static NDArray apply(NDArray images, boolean jitter, boolean blur, Random rnd) {
        NDArray x = images;
        boolean doJitter = rnd.nextDouble() < 0.8, doBlur = rnd.nextDouble() < 0.5;
        if (jitter && doJitter) {
            x = colorJitter(x, rnd);
        }
        if (blur && doBlur) {
            x = gaussianBlur(x, rnd);
        }
        return x;
    }

    static NDArray colorJitter(NDArray x, Random rnd) {
        int n = (int) x.getShape().get(0);
        NDManager m = x.getManager();
        float[] b = new float[n], c = new float[n], s = new float[n];
        double[] h = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = (float) uniform(rnd, -STRENGTH, STRENGTH);
            c[i] = (float) uniform(rnd, 1 - STRENGTH, 1 + STRENGTH);
            s[i] = (float) uniform(rnd, 1 - STRENGTH, 1 + STRENGTH);
            h[i] = uniform(rnd, -STRENGTH, STRENGTH);
        }
        java.util.List<Integer> order = new java.util.ArrayList<>(java.util.List.of(0, 1, 2, 3));
        java.util.Collections.shuffle(order, rnd);
        for (int op : order) {
            x = switch (op) {
                case 0 -> x.add(Tensors.create(m, b, new Shape(n, 1, 1, 1)));
                case 1 -> x.mul(Tensors.create(m, c, new Shape(n, 1, 1, 1)));
                case 2 -> {
                    NDArray grey = x.mul(Tensors.create(m, LUMA, new Shape(1, 3, 1, 1))).sum(new int[] {1}, true);
                    yield grey.add(x.sub(grey).mul(Tensors.create(m, s, new Shape(n, 1, 1, 1))));
                }
                default -> hue(x, h);
            };
            x = x.clip(0f, 1f);
        }
        return x;
    }

    /** Rotates chroma by h turns per image: RGB → YIQ, (I, Q) rotated, → RGB; one batched 3×3 product. */
    static NDArray hue(NDArray x, double[] turns) {
        long[] s = x.getShape().getShape();
        int n = (int) s[0];
        float[] t = new float[n * 9];
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * turns[i], cos = Math.cos(a), sin = Math.sin(a);
            double[][] rot = {{1, 0, 0}, {0, cos, -sin}, {0, sin, cos}};
            double[][] mat = mul(RGB, mul(rot, YIQ));
            for (int r = 0; r < 3; r++) {
                for (int q = 0; q < 3; q++) {
                    t[i * 9 + r * 3 + q] = (float) mat[r][q];
                }
            }
        }
        NDArray mats = Tensors.create(x.getManager(), t, new Shape(n, 3, 3));
        return mats.matMul(x.reshape(n, 3, s[2] * s[3])).reshape(s);
    }

    /** Per-image Gaussian blur: one depthwise convolution per axis over all N·3 channels. */
    static NDArray gaussianBlur(NDArray x, Random rnd) {
        long[] s = x.getShape().getShape();
        int n = (int) s[0], ky = oddKernel(s[2]), kx = oddKernel(s[3]);
        float[] wy = new float[n * 3 * ky], wx = new float[n * 3 * kx];
        for (int i = 0; i < n; i++) {
            double sigma = uniform(rnd, 0.15, 1.15);
            float[] gy = gaussian(ky, sigma), gx = gaussian(kx, sigma);
            for (int ch = 0; ch < 3; ch++) {
                System.arraycopy(gy, 0, wy, (i * 3 + ch) * ky, ky);
                System.arraycopy(gx, 0, wx, (i * 3 + ch) * kx, kx);
            }
        }
        NDManager m = x.getManager();
        NDArray y = reflectPad(x.reshape(1, n * 3L, s[2], s[3]), ky / 2, kx / 2);
        NDArray kernelY = Tensors.create(m, wy, new Shape(n * 3L, 1, ky, 1));
        NDArray kernelX = Tensors.create(m, wx, new Shape(n * 3L, 1, 1, kx));
        Shape one = new Shape(1, 1), zero = new Shape(0, 0);
        y = y.getNDArrayInternal().convolution(y, kernelY, null, one, zero, one, n * 3).singletonOrThrow();
        y = y.getNDArrayInternal().convolution(y, kernelX, null, one, zero, one, n * 3).singletonOrThrow();
        return y.reshape(s);
    }

    /** DAFormer's kernel size: ceil(0.1·side), made odd downward. */
    static int oddKernel(long side) {
        int k = (int) Math.ceil(0.1 * side);
        return Math.max(1, k % 2 == 1 ? k : k - 1);
    }

    static float[] gaussian(int k, double sigma) {
        float[] g = new float[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            double d = i - (k - 1) / 2.0;
            g[i] = (float) Math.exp(-d * d / (2 * sigma * sigma));
            sum += g[i];
        }
        for (int i = 0; i < k; i++) {
            g[i] /= (float) sum;
        }
        return g;
    }

    /** Reflect padding (edge pixel not repeated) of an (N, C, H, W) array by py rows and px columns. */
    static NDArray reflectPad(NDArray x, int py, int px) {
        long h = x.getShape().get(2), w = x.getShape().get(3);
        if (py > 0) {
            NDArray top = x.get(new NDIndex(":, :, 1:{}", py + 1)).flip(2);
            NDArray bottom = x.get(new NDIndex(":, :, {}:{}", h - 1 - py, h - 1)).flip(2);
            x = NDArrays.concat(new NDList(top, x, bottom), 2);
        }
        if (px > 0) {
            NDArray left = x.get(new NDIndex(":, :, :, 1:{}", px + 1)).flip(3);
            NDArray right = x.get(new NDIndex(":, :, :, {}:{}", w - 1 - px, w - 1)).flip(3);
            x = NDArrays.concat(new NDList(left, x, right), 3);
        }
        return x;
    }

    private static double uniform(Random r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] c = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }
}
