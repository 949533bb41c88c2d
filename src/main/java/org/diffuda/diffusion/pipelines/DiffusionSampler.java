package org.diffuda.diffusion.pipelines;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.util.Progress;

/**
 * The denoising loop, written out (diffusers' pipelines): for each timestep the denoiser predicts,
 * classifier-free guidance mixes conditional and unconditional predictions, and the scheduler
 * steps. DDPM steps go through the exposed mean so a hook can guide it. img2img / SDEdit starts
 * from the source noised to a strength.
 */
public final class DiffusionSampler {
    private DiffusionSampler() {}

    /** Options of one sampling run. */
    public record Options(int steps, double guidanceScale, double strength, boolean progress) {
        public static Options of(int steps) {
            return new Options(steps, 1.0, 1.0, false);
        }
    }

    /** Generates from pure noise of {@code shape}. */
    public static NDArray generate(Denoiser d, Scheduler s, Shape shape, NDManager m, Conditioning cond, Conditioning uncond,
                                   Options o, SamplingHook hook) {
        s.setTimesteps(o.steps());
        return loop(d, s, m.randomNormal(shape), s.timesteps(), cond, uncond, o, hook);
    }

    /**
     * img2img: noise {@code source} to the timestep at {@code strength} (k = floor(T·strength) as an
     * index into the schedule), then denoise the remaining steps.
     */
    public static NDArray img2img(Denoiser d, Scheduler s, NDArray source, Conditioning cond, Conditioning uncond,
                                  Options o, SamplingHook hook) {
        s.setTimesteps(o.steps());
        int[] ts = s.timesteps();
        int keep = Math.min(ts.length, (int) Math.floor(ts.length * o.strength()));
        if (keep == 0) {
            return source;
        }
        int[] tail = java.util.Arrays.copyOfRange(ts, ts.length - keep, ts.length);
        NDArray x = s.addNoise(source, source.getManager().randomNormal(source.getShape()), tail[0]);
        return loop(d, s, x, tail, cond, uncond, o, hook);
    }

    public static NDArray loop(Denoiser d, Scheduler s, NDArray x, int[] timesteps, Conditioning cond, Conditioning uncond,
                               Options o, SamplingHook hook) {
        Progress p = o.progress() ? new Progress("sample", timesteps.length) : null;
        try {
            ai.djl.ndarray.NDManager root = x.getManager();
            NDArray input = x;
            for (int i = 0; i < timesteps.length; i++) {
                int t = timesteps[i];
                // each step's activations live in a sub-manager; only the new x survives it
                try (ai.djl.ndarray.NDManager sub = root.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(sub);
                    Denoiser den = hook.denoiser(i, t, d);
                    Conditioning c = hook.conditioning(i, t, xs, cond);
                    NDArray out = predict(den, xs, t, c, uncond, o.guidanceScale());
                    NDArray next;
                    if (s instanceof DdpmScheduler ddpm) {
                        NDArray mean = ddpm.mean(out, t, xs).prevSample();
                        mean = hook.guideMean(i, t, xs, mean, ddpm.variance(t));
                        next = ddpm.sampleFrom(mean, t);
                    } else {
                        next = s.step(out, t, xs).prevSample();
                    }
                    next.attach(root);
                    if (x != input) {
                        x.close();
                    }
                    x = next;
                }
                if (p != null) {
                    p.step();
                }
            }
            return x;
        } finally {
            if (p != null) {
                p.close();
            }
        }
    }

    /** ε̂ = ε_u + w·(ε_c − ε_u) when an unconditional branch is given and w ≠ 1. */
    static NDArray predict(Denoiser d, NDArray x, int t, Conditioning cond, Conditioning uncond, double w) {
        long n = x.getShape().get(0);
        if (uncond == null || w == 1.0 || cond.context() == null) {
            return d.predict(x, fill(n, t), cond, false);
        }
        // the unconditional and conditional halves share the ControlNet residuals (computed for x)
        java.util.List<NDArray> down = null;
        if (cond.downResiduals() != null) {
            down = new java.util.ArrayList<>();
            for (NDArray r : cond.downResiduals()) {
                down.add(r.concat(r, 0));
            }
        }
        NDArray mid = cond.midResidual() == null ? null : cond.midResidual().concat(cond.midResidual(), 0);
        NDArray both = d.predict(x.concat(x, 0), fill(2 * n, t),
                new Conditioning(NDArrays.concat(new NDList(uncond.context(), cond.context()), 0), down, mid), false);
        NDList parts = both.split(2, 0);
        return parts.get(0).add(Tensors.mul(parts.get(1).sub(parts.get(0)), (float) w));
    }

    static float[] fill(long n, int t) {
        float[] a = new float[(int) n];
        java.util.Arrays.fill(a, t);
        return a;
    }
}
