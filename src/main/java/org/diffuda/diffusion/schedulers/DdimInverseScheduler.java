package org.diffuda.diffusion.schedulers;

import ai.djl.ndarray.NDArray;
import org.diffuda.nn.Tensors;

/**
 * DDIM inversion (diffusers' DDIMInverseScheduler): the deterministic DDIM update run forwards,
 * from x₀ towards noise. Timesteps ascend ("leading": 0, r, 2r, … + steps_offset; "trailing");
 * the step at t moves a sample at level t − T/n (ᾱ = 1 below 0 when set_alpha_to_one) to level t
 * with the model output ε̂(x, t). Run through the usual loop, it is an inversion:
 * {@code DiffusionSampler.loop(denoiser, inverse, z0, inverse.timesteps(), …)}.
 */
public final class DdimInverseScheduler extends BaseScheduler {
    private final double initialAlphaCumprod;
    private int numInferenceSteps;

    public DdimInverseScheduler(SchedulerConfig config) {
        super(config);
        this.initialAlphaCumprod = config.setAlphaToOne() ? 1.0 : noise.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int n) {
        int T = config.numTrainTimesteps();
        if (n <= 0 || n > T) {
            throw new IllegalArgumentException("num_inference_steps " + n + " must be in 1.." + T);
        }
        numInferenceSteps = n;
        timesteps = new int[n];
        switch (config.timestepSpacing()) {
            case "leading" -> {
                int ratio = T / n;
                for (int i = 0; i < n; i++) {
                    timesteps[i] = i * ratio + config.stepsOffset();
                }
            }
            case "trailing" -> {
                double ratio = (double) T / n;
                for (int i = 0; i < n; i++) {
                    timesteps[n - 1 - i] = (int) Math.rint(T - i * ratio) - 1; // np.round: half to even
                }
            }
            default -> throw new IllegalArgumentException("timestep_spacing '" + config.timestepSpacing()
                    + "' is not one of leading, trailing (DDIMInverseScheduler)");
        }
    }

    @Override
    public double variance(int t) {
        return 0;
    }

    /** x at level t from x at level t − T/n and ε̂ = model(x, t): √ᾱ_t·x̂₀ + √(1 − ᾱ_t)·ε̂. */
    @Override
    public StepOutput mean(NDArray modelOutput, int t, NDArray sample) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("call setTimesteps first");
        }
        int from = Math.min(t - config.numTrainTimesteps() / numInferenceSteps, config.numTrainTimesteps() - 1);
        double a = from >= 0 ? noise.alphaCumprod(from) : initialAlphaCumprod;
        double aNext = noise.alphaCumprod(t);
        NDArray[] xe = Scheduler.x0AndEps(config.predictionType(), modelOutput, sample, a);
        NDArray x0 = xe[0];
        if (config.clipSample()) {
            x0 = x0.clip(-config.clipSampleRange(), config.clipSampleRange());
        }
        NDArray next = Tensors.mul(x0, Math.sqrt(aNext)).add(Tensors.mul(xe[1], Math.sqrt(1 - aNext)));
        return new StepOutput(next, x0);
    }
}
