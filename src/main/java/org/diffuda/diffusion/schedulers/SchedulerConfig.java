package org.diffuda.diffusion.schedulers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.diffuda.util.Configs;

/**
 * The fields of a diffusers {@code scheduler_config.json} that diffuda's schedulers read, under
 * diffusers' names, with diffusers' defaults. One record serves DDPM, DDIM and DPM-Solver++;
 * each reads the fields it knows, as diffusers does with {@code from_config}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SchedulerConfig(
        @JsonProperty("_class_name") String className,
        @JsonProperty("num_train_timesteps") int numTrainTimesteps,
        @JsonProperty("beta_start") double betaStart,
        @JsonProperty("beta_end") double betaEnd,
        @JsonProperty("beta_schedule") String betaSchedule,
        @JsonProperty("prediction_type") String predictionType,
        @JsonProperty("clip_sample") boolean clipSample,
        @JsonProperty("clip_sample_range") double clipSampleRange,
        @JsonProperty("set_alpha_to_one") boolean setAlphaToOne,
        @JsonProperty("steps_offset") int stepsOffset,
        @JsonProperty("timestep_spacing") String timestepSpacing,
        @JsonProperty("variance_type") String varianceType,
        @JsonProperty("solver_order") int solverOrder,
        @JsonProperty("algorithm_type") String algorithmType,
        @JsonProperty("solver_type") String solverType,
        @JsonProperty("lower_order_final") boolean lowerOrderFinal,
        @JsonProperty("final_sigmas_type") String finalSigmasType) {

    /**
     * Defaults for fields a scheduler_config.json leaves out: DDPMScheduler's, DDIMScheduler's and
     * DPMSolverMultistepScheduler's __init__ defaults agree on every field diffuda reads (the
     * file's _class_name is kept).
     */
    public static SchedulerConfig referenceDefaults() {
        return ddpm();
    }

    /** DDPM as in Ho et al. and Peng et al.: linear β 1e-4..0.02, T = 1000. */
    public static SchedulerConfig ddpm() {
        return new SchedulerConfig("DDPMScheduler", 1000, 1e-4, 0.02, "linear", "epsilon", true, 1.0, true, 0,
                "leading", "fixed_small", 2, "dpmsolver++", "midpoint", true, "zero");
    }

    /** Stable Diffusion 1.x's training/inference schedule (scaled_linear 0.00085..0.012, offset 1). */
    public static SchedulerConfig stableDiffusion() {
        return new SchedulerConfig("DDIMScheduler", 1000, 0.00085, 0.012, "scaled_linear", "epsilon", false, 1.0, false,
                1, "leading", "fixed_small", 2, "dpmsolver++", "midpoint", true, "zero");
    }

    /** A copy with fields replaced by their scheduler_config.json names (diffusers' from_config(**kwargs)). */
    public SchedulerConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }

    public SchedulerConfig withClassName(String c) {
        return with("_class_name", c);
    }

    public SchedulerConfig withPrediction(String p) {
        return with("prediction_type", p);
    }

    public SchedulerConfig withVarianceType(String v) {
        return with("variance_type", v);
    }

    public SchedulerConfig withSpacing(String spacing, int offset) {
        return with("timestep_spacing", spacing, "steps_offset", offset);
    }

    public SchedulerConfig withBetas(double start, double end, String schedule) {
        return with("beta_start", start, "beta_end", end, "beta_schedule", schedule);
    }

    public SchedulerConfig withClip(boolean clip) {
        return with("clip_sample", clip);
    }

    public SchedulerConfig withAlphaToOne(boolean one) {
        return with("set_alpha_to_one", one);
    }

    public SchedulerConfig withSolver(int order, boolean lowerOrderFinal) {
        return with("solver_order", order, "lower_order_final", lowerOrderFinal);
    }
}
