package org.diffuda.diffusion.schedulers;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver++ multistep, first or second order, midpoint solver (diffusers'
 * DPMSolverMultistepScheduler with algorithm_type dpmsolver++). Works in the σ parametrisation
 * σ_t = √((1−ᾱ_t)/ᾱ_t), λ_t = log(α_t / σ_t); the model output is converted to x̂₀ first.
 */
public final class DpmSolverMultistepScheduler extends BaseScheduler {
    private double[] sigmas;
    private NDArray[] modelOutputs;
    private int lowerOrderNums;
    private int stepIndex;

    public DpmSolverMultistepScheduler(SchedulerConfig config) {
        super(config);
        if (!"dpmsolver++".equals(config.algorithmType()) || !"midpoint".equals(config.solverType())) {
            throw new IllegalArgumentException("diffuda implements algorithm_type dpmsolver++ with solver_type midpoint");
        }
        if (config.solverOrder() < 1 || config.solverOrder() > 2) {
            throw new IllegalArgumentException("solver_order must be 1 or 2");
        }
    }

    @Override
    public void setTimesteps(int n) {
        int T = config.numTrainTimesteps();
        if (n <= 0 || n > T) {
            throw new IllegalArgumentException("num_inference_steps " + n + " must be in 1.." + T);
        }
        timesteps = new int[n];
        String spacing = config.timestepSpacing() == null ? "linspace" : config.timestepSpacing();
        switch (spacing) {
            case "linspace" -> {
                // np.linspace(0, T - 1, n + 1).round()[::-1][:-1]
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (int) Math.rint((double) (T - 1) * (n - i) / n);
                }
            }
            case "leading" -> {
                int ratio = T / (n + 1);
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (n - i) * ratio + config.stepsOffset();
                }
            }
            case "trailing" -> {
                double ratio = (double) T / n;
                for (int i = 0; i < n; i++) {
                    timesteps[i] = (int) Math.rint(T - i * ratio) - 1;
                }
            }
            default -> throw new IllegalArgumentException("timestep_spacing '" + spacing + "' is not one of leading, trailing, linspace");
        }
        sigmas = new double[n + 1];
        for (int i = 0; i < n; i++) {
            double a = noise.alphaCumprod(timesteps[i]);
            sigmas[i] = (float) Math.sqrt((1 - a) / a);
        }
        double a0 = noise.alphaCumprod(0);
        sigmas[n] = "sigma_min".equals(config.finalSigmasType()) ? (float) Math.sqrt((1 - a0) / a0) : 0.0;
        if (modelOutputs != null) {
            for (NDArray a : modelOutputs) {
                if (a != null) {
                    a.close();
                }
            }
        }
        modelOutputs = new NDArray[config.solverOrder()];
        lowerOrderNums = 0;
        stepIndex = 0;
    }

    private int indexOf(int t) {
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                return i;
            }
        }
        throw new IllegalArgumentException("timestep " + t + " is not in the schedule");
    }

    private static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    private static double lambda(double sigma) {
        double a = alpha(sigma);
        return Math.log(a) - Math.log(sigma * a);
    }

    /** Deterministic: the multistep update adds no noise. */
    @Override
    public double variance(int t) {
        return 0;
    }

    /** The DPM-Solver++ update (advances the multistep history: once per step). */
    @Override
    public StepOutput mean(NDArray modelOutput, int t, NDArray sample) {
        if (timesteps == null) {
            throw new IllegalStateException("call setTimesteps first");
        }
        if (stepIndex == 0 && lowerOrderNums == 0 && timesteps[0] != t) {
            // the loop starts mid-schedule (img2img): begin at t, as diffusers' _init_step_index
            stepIndex = indexOf(t);
        }
        if (timesteps[stepIndex] != t) {
            throw new IllegalArgumentException("expected timestep " + timesteps[stepIndex] + ", got " + t);
        }
        boolean last = stepIndex == timesteps.length - 1;
        boolean lowerOrderFinal = last && (!"sigma_min".equals(config.finalSigmasType())
                || (config.lowerOrderFinal() && timesteps.length < 15));
        double s0 = sigmas[stepIndex];
        double alpha0 = alpha(s0);
        NDArray x0 = Scheduler.x0AndEps(config.predictionType(), modelOutput, sample, alpha0 * alpha0)[0];
        // the history outlives the caller's per-step memory scope: keep detached copies, close what ages out
        if (modelOutputs[0] != null && modelOutputs.length > 1) {
            modelOutputs[0].close();
        }
        for (int i = 0; i < modelOutputs.length - 1; i++) {
            modelOutputs[i] = modelOutputs[i + 1];
        }
        if (modelOutputs.length == 1 && modelOutputs[0] != null) {
            modelOutputs[0].close();
        }
        NDArray kept = x0.duplicate();
        kept.detach();
        modelOutputs[modelOutputs.length - 1] = kept;
        double st = sigmas[stepIndex + 1];
        double alphaT = alpha(st), sigmaT = st * alphaT, sigmaS0 = s0 * alpha0;
        double h = lambda(st) - lambda(s0);
        double expm = Math.exp(-h) - 1.0;
        NDArray prev;
        if (config.solverOrder() == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            prev = Tensors.mul(sample, (float) (sigmaT / sigmaS0)).sub(Tensors.mul(x0, (float) (alphaT * expm)));
        } else {
            double s1 = sigmas[stepIndex - 1];
            double h0 = lambda(s0) - lambda(s1);
            double r0 = h0 / h;
            NDArray d0 = x0;
            NDArray d1 = Tensors.mul(d0.sub(modelOutputs[0]), (float) (1.0 / r0));
            prev = Tensors.mul(sample, (float) (sigmaT / sigmaS0)).sub(Tensors.mul(d0, (float) (alphaT * expm)))
                    .sub(Tensors.mul(d1, (float) (0.5 * alphaT * expm)));
        }
        if (lowerOrderNums < config.solverOrder()) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new StepOutput(prev, x0);
    }
}
