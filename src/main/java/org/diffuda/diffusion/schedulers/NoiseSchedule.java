package org.diffuda.diffusion.schedulers;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * β_t and ᾱ_t = Π(1 − β_s) of the forward process, computed in float32 as torch does so that
 * numbers match diffusers; plus the forward-process operations every scheduler shares:
 * {@code addNoise} (x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε) and the v-prediction target.
 */
public final class NoiseSchedule {
    private final float[] betas;
    private final float[] alphasCumprod;

    public NoiseSchedule(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        betas = new float[n];
        switch (c.betaSchedule()) {
            case "linear" -> {
                for (int i = 0; i < n; i++) {
                    betas[i] = (float) linspace(c.betaStart(), c.betaEnd(), n, i);
                }
            }
            case "scaled_linear" -> {
                for (int i = 0; i < n; i++) {
                    float b = (float) linspace(Math.sqrt(c.betaStart()), Math.sqrt(c.betaEnd()), n, i);
                    betas[i] = b * b;
                }
            }
            case "squaredcos_cap_v2" -> {
                for (int i = 0; i < n; i++) {
                    double t1 = (double) i / n, t2 = (double) (i + 1) / n;
                    betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
                }
            }
            default -> throw new IllegalArgumentException("beta_schedule '" + c.betaSchedule()
                    + "' is not one of linear, scaled_linear, squaredcos_cap_v2");
        }
        alphasCumprod = new float[n];
        float prod = 1f;
        for (int i = 0; i < n; i++) {
            prod *= 1f - betas[i];
            alphasCumprod[i] = prod;
        }
    }

    /** torch.linspace(start, end, n)[i]: computed from the nearer end, as torch does. */
    static double linspace(double start, double end, int n, int i) {
        if (n == 1) {
            return start;
        }
        double step = (end - start) / (n - 1);
        return i < n / 2 ? start + step * i : end - step * (n - 1 - i);
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    public int size() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[t];
    }

    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε for one timestep shared by the batch. */
    public NDArray addNoise(NDArray x0, NDArray noise, int t) {
        double a = alphasCumprod[t];
        return Tensors.mul(x0, (float) Math.sqrt(a)).add(Tensors.mul(noise, (float) Math.sqrt(1 - a)));
    }

    /** addNoise with one timestep per batch element (training). */
    public NDArray addNoise(NDArray x0, NDArray noise, int[] t) {
        NDArray[] ab = coefficients(x0.getManager(), t, x0.getShape().dimension());
        return x0.mul(ab[0]).add(noise.mul(ab[1]));
    }

    /** v = √ᾱ_t ε − √(1−ᾱ_t) x₀, the v-prediction target. */
    public NDArray velocity(NDArray x0, NDArray noise, int[] t) {
        NDArray[] ab = coefficients(x0.getManager(), t, x0.getShape().dimension());
        return noise.mul(ab[0]).sub(x0.mul(ab[1]));
    }

    private NDArray[] coefficients(NDManager m, int[] t, int dims) {
        float[] a = new float[t.length], s = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            a[i] = (float) Math.sqrt(alphasCumprod[t[i]]);
            s[i] = (float) Math.sqrt(1 - alphasCumprod[t[i]]);
        }
        long[] shape = new long[dims];
        java.util.Arrays.fill(shape, 1);
        shape[0] = t.length;
        return new NDArray[] {Tensors.create(m, a).reshape(shape), Tensors.create(m, s).reshape(shape)};
    }
}
