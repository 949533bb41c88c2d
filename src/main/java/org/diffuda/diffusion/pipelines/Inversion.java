package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.schedulers.DdimInverseScheduler;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.util.Generator;

/** Ways back from a clean sample to a noisy one that the denoiser can bring back. */
public final class Inversion {
    private Inversion() {}

    /**
     * DDIM inversion (diffusers' DDIMInverseScheduler through the usual loop): z₀ → z_t along the
     * first {@code floor(steps·strength)} steps of the inverse schedule, deterministically. Sampled
     * back with DDIM at eta 0 over the same steps it returns approximately z₀.
     */
    public static NDArray ddim(Denoiser d, SchedulerConfig sc, NDArray z0, int steps, double strength, Conditioning cond,
                               Conditioning uncond, DiffusionSampler.Options o) {
        DdimInverseScheduler inverse = new DdimInverseScheduler(sc.withClassName("DDIMInverseScheduler"));
        inverse.setTimesteps(steps);
        int[] ts = inverse.timesteps();
        int keep = Math.min(ts.length, (int) Math.floor(ts.length * strength));
        return DiffusionSampler.loop(d, inverse, z0, java.util.Arrays.copyOf(ts, keep), cond, uncond, o, SamplingHook.NONE);
    }

    /**
     * ZoDi's stochastic inversion at timestep t: z_t = √ᾱ_t·z₀ + √(1−ᾱ_t)·ε with ε from
     * {@code generator}; one conditional call ε̂ = ε_θ(z_t, t, c) (no guidance; the ControlNet of
     * {@code control} adds its residuals); returns √ᾱ_t·z₀ + √(1−ᾱ_t)·ε̂ — the noise the model
     * believes is in z_t, put back on the clean latent.
     */
    public static NDArray stochastic(Denoiser d, NoiseSchedule noise, NDArray z0, int t, Conditioning cond,
                                     DiffusionSampler.Control control, Generator generator) {
        NDArray zt = noise.addNoise(z0, generator.randn(z0.getManager(), z0.getShape()), t);
        NDArray eps = DiffusionSampler.predict(d, zt, t, cond, null, 1.0, control);
        return noise.addNoise(z0, eps, t);
    }
}
