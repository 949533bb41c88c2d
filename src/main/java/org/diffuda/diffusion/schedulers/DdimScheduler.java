package org.diffuda.diffusion.schedulers;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;

/** DDIM (diffusers' DDIMScheduler): deterministic at eta = 0, stochastic for eta &gt; 0. */
public final class DdimScheduler extends BaseScheduler {
    private final double finalAlphaCumprod;
    private int numInferenceSteps;
    private double eta;

    public DdimScheduler(SchedulerConfig config) {
        super(config);
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0 : noise.alphaCumprod(0);
    }

    public DdimScheduler eta(double e) {
        this.eta = e;
        return this;
    }

    @Override
    public void setTimesteps(int n) {
        timesteps = Scheduler.spacedTimesteps(config, n);
        numInferenceSteps = n;
    }

    int prev(int t) {
        return t - config.numTrainTimesteps() / numInferenceSteps;
    }

    /** σ_t² / η²: diffusers' _get_variance(t, prev). */
    public double variance(int t, int prevT) {
        double a = noise.alphaCumprod(t), ap = prevT >= 0 ? noise.alphaCumprod(prevT) : finalAlphaCumprod;
        return (1 - ap) / (1 - a) * (1 - a / ap);
    }

    /** (η·σ_t)²: the variance of the noise a step with this scheduler's eta adds. */
    @Override
    public double variance(int t) {
        return eta == 0 ? 0 : eta * eta * variance(t, prev(t));
    }

    /** The eta-DDIM mean: √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev − σ²)·ε̂ (diffusers' step without its noise term). */
    @Override
    public StepOutput mean(NDArray modelOutput, int t, NDArray sample) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("call setTimesteps first");
        }
        int prevT = prev(t);
        double a = noise.alphaCumprod(t), ap = prevT >= 0 ? noise.alphaCumprod(prevT) : finalAlphaCumprod;
        NDArray[] xe = Scheduler.x0AndEps(config.predictionType(), modelOutput, sample, a);
        NDArray x0 = xe[0], eps = xe[1];
        if (config.clipSample()) {
            x0 = x0.clip(-config.clipSampleRange(), config.clipSampleRange());
        }
        double std = eta * Math.sqrt(variance(t, prevT));
        NDArray prevSample = Tensors.mul(x0, (float) Math.sqrt(ap)).add(Tensors.mul(eps, (float) Math.sqrt(1 - ap - std * std)));
        return new StepOutput(prevSample, x0);
    }
}
