package org.diffuda.diffusion.schedulers;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import org.diffuda.util.Generator;

/**
 * Pure math over timesteps (diffusers' separation): no model inside. A sampling loop calls
 * {@link #setTimesteps}, then for each t in {@link #timesteps()} runs its denoiser and hands
 * the output to {@link #step}.
 */
public interface Scheduler {
    /** The result of one reverse step: x_{t-1} and the predicted clean sample x̂₀. */
    record StepOutput(NDArray prevSample, NDArray predOriginalSample) {}

    SchedulerConfig config();

    NoiseSchedule noise();

    void setTimesteps(int numInferenceSteps);

    int[] timesteps();

    /**
     * The deterministic part of one reverse step: the mean of x_{t−1} given the model output at
     * x_t (for a deterministic scheduler, x_{t−1} itself) and x̂₀. A guidance hook edits this mean.
     * Multistep schedulers advance their state here: call it once per step.
     */
    StepOutput mean(NDArray modelOutput, int t, NDArray sample);

    /** Σ_t, the variance of the noise this step adds around its mean (0: deterministic). */
    double variance(int t);

    /** x_{t−1} = mean + √Σ_t·z with z from {@code generator}; the mean itself when the step adds no noise. */
    default NDArray sampleFrom(NDArray mean, int t, Generator generator) {
        double v = addsNoise(t) ? variance(t) : 0;
        if (v <= 0) {
            return mean;
        }
        if (generator == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": a stochastic step needs a generator");
        }
        return mean.add(Tensors.mul(generator.randn(mean.getManager(), mean.getShape()), Math.sqrt(v)));
    }

    /** Whether the step at t adds noise (DDPM adds none at t = 0 although Σ_0 &gt; 0). */
    default boolean addsNoise(int t) {
        return variance(t) > 0;
    }

    /** One reverse step: {@link #mean}, then {@link #sampleFrom} with noise from {@code generator}. */
    default StepOutput step(NDArray modelOutput, int t, NDArray sample, Generator generator) {
        StepOutput m = mean(modelOutput, t, sample);
        return new StepOutput(sampleFrom(m.prevSample(), t, generator), m.predOriginalSample());
    }

    default NDArray addNoise(NDArray x0, NDArray noise, int t) {
        return noise().addNoise(x0, noise, t);
    }

    static Scheduler create(SchedulerConfig c) {
        String name = c.className() == null ? "DDPMScheduler" : c.className();
        return switch (name) {
            case "DDPMScheduler" -> new DdpmScheduler(c);
            case "DDIMScheduler" -> new DdimScheduler(c);
            case "DPMSolverMultistepScheduler" -> new DpmSolverMultistepScheduler(c);
            case "DDIMInverseScheduler" -> new DdimInverseScheduler(c);
            default -> throw new IllegalArgumentException("scheduler _class_name '" + name
                    + "': diffuda has DDPMScheduler, DDIMScheduler, DDIMInverseScheduler and DPMSolverMultistepScheduler");
        };
    }

    /** x̂₀ and ε̂ from a model output of the configured prediction type. */
    static NDArray[] x0AndEps(String predictionType, NDArray out, NDArray sample, double alphaProd) {
        double sa = (float) Math.sqrt(alphaProd), sb = (float) Math.sqrt(1 - alphaProd);
        return switch (predictionType) {
            case "epsilon" -> new NDArray[] {Tensors.div(sample.sub(Tensors.mul(out, sb)), sa), out};
            case "sample" -> new NDArray[] {out, Tensors.div(sample.sub(Tensors.mul(out, sa)), sb)};
            case "v_prediction" -> new NDArray[] {Tensors.mul(sample, sa).sub(Tensors.mul(out, sb)), Tensors.mul(out, sa).add(Tensors.mul(sample, sb))};
            default -> throw new IllegalArgumentException("prediction_type '" + predictionType
                    + "' is not one of epsilon, sample, v_prediction");
        };
    }

    /** diffusers' set_timesteps spacings for DDPM/DDIM ("leading", "trailing", "linspace"). */
    static int[] spacedTimesteps(SchedulerConfig c, int n) {
        int T = c.numTrainTimesteps();
        if (n <= 0 || n > T) {
            throw new IllegalArgumentException("num_inference_steps " + n + " must be in 1.." + T);
        }
        int[] ts = new int[n];
        switch (c.timestepSpacing()) {
            case "leading" -> {
                int ratio = T / n;
                for (int i = 0; i < n; i++) {
                    ts[i] = (n - 1 - i) * ratio + c.stepsOffset();
                }
            }
            case "trailing" -> {
                double ratio = (double) T / n;
                for (int i = 0; i < n; i++) {
                    ts[i] = (int) Math.rint(T - i * ratio) - 1;
                }
            }
            case "linspace" -> {
                for (int i = 0; i < n; i++) {
                    ts[n - 1 - i] = (int) Math.rint(n == 1 ? 0 : (double) (T - 1) * i / (n - 1));
                }
            }
            default -> throw new IllegalArgumentException("timestep_spacing '" + c.timestepSpacing()
                    + "' is not one of leading, trailing, linspace");
        }
        return ts;
    }
}
