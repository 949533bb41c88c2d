package org.diffuda.diffusion.schedulers;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;

/**
 * DDPM ancestral sampling (diffusers' DDPMScheduler). Exposes the posterior mean μθ(x_t, t) and
 * variance Σ so that gradient guidance can edit the mean before sampling (Peng et al.):
 * x_{t−1} = μ̂ + √Σ·z with μ̂ = μ + λΣg.
 */
public final class DdpmScheduler extends BaseScheduler {
    private boolean custom;

    public DdpmScheduler(SchedulerConfig config) {
        super(config);
        this.timesteps = new int[config.numTrainTimesteps()];
        for (int i = 0; i < timesteps.length; i++) {
            timesteps[i] = timesteps.length - 1 - i;
        }
    }

    @Override
    public void setTimesteps(int n) {
        timesteps = Scheduler.spacedTimesteps(config, n);
        custom = true;
    }

    /** Runs the last {@code n} steps of the full chain (t = n−1 … 0): Peng's φⁿ translation. */
    public void setTailTimesteps(int n) {
        setTailTimesteps(n, 1);
    }

    /**
     * The last {@code n} steps visited every {@code stride}-th timestep (t = n−1 … 0 evenly, steps of at most {@code stride}):
     * each step jumps between the visited timesteps with the posterior of that jump, as diffusers'
     * DDPMScheduler does for custom timesteps. stride 1 is the full chain.
     */
    public void setTailTimesteps(int n, int stride) {
        if (n < 1 || stride < 1 || n > config.numTrainTimesteps()) {
            throw new IllegalArgumentException("tail of " + n + " steps with stride " + stride + " does not fit "
                    + config.numTrainTimesteps() + " training timesteps");
        }
        // evenly spaced from n−1 down to 0, so the last step lands on x₀ without added noise
        int count = tailLength(n, stride);
        timesteps = new int[count];
        for (int i = 0; i < count; i++) {
            timesteps[i] = count == 1 ? 0 : (int) Math.round((n - 1) * (1.0 - (double) i / (count - 1)));
        }
        custom = true;
    }

    /** How many reverse steps {@link #setTailTimesteps(int, int)} visits. */
    public static int tailLength(int n, int stride) {
        return n <= 1 ? 1 : (n - 1 + stride - 1) / stride + 1;
    }

    public int previousTimestep(int t) {
        if (!custom) {
            return t - 1;
        }
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                return i == timesteps.length - 1 ? -1 : timesteps[i + 1];
            }
        }
        throw new IllegalArgumentException("timestep " + t + " is not in the schedule");
    }

    private double alphaProdPrev(int t) {
        int prev = previousTimestep(t);
        return prev >= 0 ? noise.alphaCumprod(prev) : 1.0;
    }

    /**
     * Σ_t: the posterior variance β̃_t (fixed_small) or β_t (fixed_large), as diffusers' _get_variance —
     * in float32, as there: 1 − ᾱ_t/ᾱ_{t−1} cancels near t = 0, where double arithmetic moved the
     * result by 1e-4 relative.
     */
    @Override
    public double variance(int t) {
        float a = (float) noise.alphaCumprod(t), ap = (float) alphaProdPrev(t);
        float currentBeta = 1f - a / ap;
        float v = Math.max((1f - ap) / (1f - a) * currentBeta, 1e-20f);
        return switch (config.varianceType()) {
            case "fixed_small" -> v;
            case "fixed_large" -> currentBeta;
            default -> throw new IllegalArgumentException("variance_type '" + config.varianceType()
                    + "' is not one of fixed_small, fixed_large");
        };
    }

    /** μθ(x_t, t) and x̂₀: the mean of x_{t−1} before noise is added (coefficients in float32, as diffusers). */
    @Override
    public StepOutput mean(NDArray modelOutput, int t, NDArray sample) {
        float a = (float) noise.alphaCumprod(t), ap = (float) alphaProdPrev(t);
        float b = 1f - a, bp = 1f - ap, curAlpha = a / ap, curBeta = 1f - curAlpha;
        NDArray x0 = Scheduler.x0AndEps(config.predictionType(), modelOutput, sample, a)[0];
        if (config.clipSample()) {
            x0 = x0.clip(-config.clipSampleRange(), config.clipSampleRange());
        }
        float c0 = (float) Math.sqrt(ap) * curBeta / b, ct = (float) Math.sqrt(curAlpha) * bp / b;
        return new StepOutput(Tensors.mul(x0, c0).add(Tensors.mul(sample, ct)), x0);
    }

    /** No noise is added at t = 0 (diffusers: variance only for t &gt; 0). */
    @Override
    public boolean addsNoise(int t) {
        return t > 0;
    }
}
