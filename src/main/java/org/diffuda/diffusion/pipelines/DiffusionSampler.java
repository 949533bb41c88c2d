package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.nn.Tensors;
import org.diffuda.util.Generator;
import org.diffuda.util.Progress;

/**
 * The denoising loop, written out (diffusers' pipelines) and the same for every scheduler: for
 * each timestep the denoiser predicts (a ControlNet, when given, adds its residuals),
 * classifier-free guidance mixes the unconditional (or negative-prompt) and conditional
 * predictions, the scheduler gives the mean of x_{t−1} and its variance, a hook may move the
 * mean, and the scheduler samples around it with the run's generator. img2img / SDEdit starts
 * from the source noised to a strength.
 */
public final class DiffusionSampler {
    private DiffusionSampler() {}

    /** A ControlNet, its condition image (N, 3, H, W) and conditioning scale. */
    public record Control(ControlNetModel model, NDArray image, double scale) {}

    /**
     * Options of one sampling run. {@code generator}: where the initial noise and every step's
     * noise come from — one generator for the batch, or {@link Generator#perItem} for one per
     * image (diffusers' list of generators).
     */
    public record Options(int steps, double guidanceScale, double strength, boolean progress, Generator generator,
                          Control control) {
        public static Options of(int steps) {
            return new Options(steps, 1.0, 1.0, false, null, null);
        }

        public Options withGuidance(double w) {
            return new Options(steps, w, strength, progress, generator, control);
        }

        public Options withStrength(double s) {
            return new Options(steps, guidanceScale, s, progress, generator, control);
        }

        public Options withProgress(boolean p) {
            return new Options(steps, guidanceScale, strength, p, generator, control);
        }

        public Options withGenerator(Generator g) {
            return new Options(steps, guidanceScale, strength, progress, g, control);
        }

        public Options withControl(Control c) {
            return new Options(steps, guidanceScale, strength, progress, generator, c);
        }

        Generator requireGenerator() {
            if (generator == null) {
                throw new IllegalArgumentException("sampling needs a generator (Options.withGenerator)");
            }
            return generator;
        }
    }

    /** Generates from pure noise of {@code shape}. */
    public static NDArray generate(Denoiser d, Scheduler s, Shape shape, NDManager m, Conditioning cond, Conditioning uncond,
                                   Options o, SamplingHook hook) {
        s.setTimesteps(o.steps());
        return loop(d, s, o.requireGenerator().randn(m, shape), s.timesteps(), cond, uncond, o, hook);
    }

    /** The timesteps img2img runs at {@code strength}: the last floor(n·strength) of the schedule. */
    public static int[] img2imgTimesteps(Scheduler s, int steps, double strength) {
        s.setTimesteps(steps);
        int[] ts = s.timesteps();
        int keep = Math.min(ts.length, (int) Math.floor(ts.length * strength));
        return java.util.Arrays.copyOfRange(ts, ts.length - keep, ts.length);
    }

    /**
     * img2img: noise {@code source} to the first timestep kept at {@code strength} (k =
     * floor(n·strength) steps of the schedule), then denoise those steps — any scheduler.
     */
    public static NDArray img2img(Denoiser d, Scheduler s, NDArray source, Conditioning cond, Conditioning uncond,
                                  Options o, SamplingHook hook) {
        int[] tail = img2imgTimesteps(s, o.steps(), o.strength());
        if (tail.length == 0) {
            return source;
        }
        NDArray x = s.addNoise(source, o.requireGenerator().randn(source.getManager(), source.getShape()), tail[0]);
        return loop(d, s, x, tail, cond, uncond, o, hook);
    }

    public static NDArray loop(Denoiser d, Scheduler s, NDArray x, int[] timesteps, Conditioning cond, Conditioning uncond,
                               Options o, SamplingHook hook) {
        Progress p = o.progress() ? new Progress("sample", timesteps.length) : null;
        try {
            NDManager root = x.getManager();
            NDArray input = x;
            for (int i = 0; i < timesteps.length; i++) {
                int t = timesteps[i];
                // each step's activations live in a sub-manager; only the new x survives it
                try (NDManager sub = root.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(sub);
                    Denoiser den = hook.denoiser(i, t, d);
                    Conditioning c = hook.conditioning(i, t, xs, cond);
                    NDArray out = predict(den, xs, t, c, uncond, o.guidanceScale(), o.control());
                    NDArray mean = s.mean(out, t, xs).prevSample();
                    mean = hook.guideMean(i, t, xs, mean, s.variance(t));
                    NDArray next = s.sampleFrom(mean, t, o.generator());
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

    /**
     * ε̂ = ε_u + w·(ε_c − ε_u) when an unconditional branch is given and w ≠ 1. A ControlNet runs
     * on the same batch the U-Net sees: with guidance, on both halves, each with its own text
     * embedding (diffusers' StableDiffusionControlNetPipeline).
     */
    public static NDArray predict(Denoiser d, NDArray x, int t, Conditioning cond, Conditioning uncond, double w, Control control) {
        long n = x.getShape().get(0);
        boolean guided = uncond != null && w != 1.0 && cond.context() != null;
        if (!guided) {
            return d.predict(x, fill(n, t), withControl(cond, x, t, control), false);
        }
        NDArray both = x.concat(x, 0);
        // the prompts' embeddings and the control image outlive the step; what is made of them here must not
        NDArray context = NDArrays.concat(new NDList(uncond.context(), cond.context()), 0);
        context.attach(x.getManager());
        Conditioning c2;
        if (control != null) {
            NDArray image = control.image().concat(control.image(), 0);
            image.attach(x.getManager());
            c2 = control.model().residuals(both, fill(2 * n, t), context, image, (float) control.scale(), false);
        } else {
            // residuals supplied by a hook were computed for x: both halves share them
            c2 = new Conditioning(context, twice(cond.downResiduals()), cond.midResidual() == null ? null
                    : cond.midResidual().concat(cond.midResidual(), 0));
        }
        NDList parts = d.predict(both, fill(2 * n, t), c2, false).split(2, 0);
        return parts.get(0).add(Tensors.mul(parts.get(1).sub(parts.get(0)), w));
    }

    private static Conditioning withControl(Conditioning cond, NDArray x, int t, Control control) {
        if (control == null) {
            return cond;
        }
        return control.model().residuals(x, fill(x.getShape().get(0), t), cond.context(), control.image(),
                (float) control.scale(), false);
    }

    private static List<NDArray> twice(List<NDArray> rs) {
        if (rs == null) {
            return null;
        }
        List<NDArray> out = new ArrayList<>();
        for (NDArray r : rs) {
            out.add(r.concat(r, 0));
        }
        return out;
    }

    static float[] fill(long n, int t) {
        float[] a = new float[(int) n];
        java.util.Arrays.fill(a, t);
        return a;
    }
}
