package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.Inversion;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.schedulers.DdimScheduler;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The one sampling loop with every scheduler: inversion, hooks, ControlNet guidance, img2img. */
class SamplerTest {
    static final SchedulerConfig PLAIN = SchedulerConfig.ddpm().withClip(false);

    static UNet2DModel unet(NDManager m, long seed) {
        return new UNet2DModel(UNetTest.TINY).init(m, Generator.of(seed, "init:unet"));
    }

    /** ε̂(x, t) = (x − √ᾱ_t·x*) / √(1 − ᾱ_t): the exact noise of x around a known clean x*. */
    static Denoiser oracle(NDArray xStar, org.diffuda.diffusion.schedulers.NoiseSchedule noise) {
        return new Denoiser() {
            @Override
            public int inChannels() {
                return 3;
            }

            @Override
            public NDArray predict(NDArray x, float[] t, Conditioning cond, boolean training) {
                double a = noise.alphaCumprod((int) t[0]);
                return Tensors.div(x.sub(Tensors.mul(xStar, Math.sqrt(a))), Math.sqrt(1 - a));
            }
        };
    }

    @Test
    void ddimInversionIsExactForAnExactDenoiser() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray z0 = Tensors.mul(Generator.of(1, "z0").randn(m, new Shape(1, 3, 16, 32)), 0.5);
            Denoiser d = oracle(z0, new org.diffuda.diffusion.schedulers.NoiseSchedule(PLAIN));
            var o = DiffusionSampler.Options.of(50);
            NDArray zT = Inversion.ddim(d, PLAIN, z0, 50, 1.0, Conditioning.NONE, null, o);
            DdimScheduler ddim = new DdimScheduler(PLAIN.withClassName("DDIMScheduler"));
            ddim.setTimesteps(50);
            NDArray back = DiffusionSampler.loop(d, ddim, zT, ddim.timesteps(), Conditioning.NONE, null, o, SamplingHook.NONE);
            assertArrayEquals(z0.toFloatArray(), back.toFloatArray(), 1e-3f);
        }
    }

    @Test
    void ddimInversionThenDdimSamplingReconstructsTheLatent() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = unet(m, 1);
            NDArray z0 = Tensors.mul(Generator.of(1, "z0").randn(m, new Shape(1, 3, 16, 32)), 0.5);
            var o = DiffusionSampler.Options.of(50);
            // an untrained U-Net is no consistent noise predictor, so the error grows with the strength
            // (measured: 0.010 at 0.1, 0.043 at 0.3, 0.17 at 0.5); the exact denoiser above shows the math is exact
            NDArray zT = Inversion.ddim(u, PLAIN, z0, 50, 0.3, Conditioning.NONE, null, o);
            DdimScheduler ddim = new DdimScheduler(PLAIN.withClassName("DDIMScheduler"));
            int[] tail = DiffusionSampler.img2imgTimesteps(ddim, 50, 0.3);
            NDArray back = DiffusionSampler.loop(u, ddim, zT, tail, Conditioning.NONE, null, o, SamplingHook.NONE);
            double err = back.sub(z0).square().sum().sqrt().getFloat() / z0.square().sum().sqrt().getFloat();
            double moved = zT.sub(z0).square().sum().sqrt().getFloat() / z0.square().sum().sqrt().getFloat();
            assertTrue(err < 0.08, "relative reconstruction error " + err);
            assertTrue(moved > 0.4, "inversion moved the latent by " + moved + " (relative)");
        }
    }

    @Test
    void stochasticInversionPutsThePredictedNoiseBackOnTheCleanLatent() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            var noise = new org.diffuda.diffusion.schedulers.NoiseSchedule(PLAIN);
            NDArray z0 = Tensors.mul(Generator.of(4, "z0").randn(m, new Shape(1, 3, 16, 32)), 0.5);
            // an exact denoiser recovers the drawn ε, so the result is z_t itself
            NDArray exact = Inversion.stochastic(oracle(z0, noise), noise, z0, 650, Conditioning.NONE, null, Generator.of(4, "si"));
            NDArray zt = noise.addNoise(z0, Generator.of(4, "si").randn(m, z0.getShape()), 650);
            assertArrayEquals(zt.toFloatArray(), exact.toFloatArray(), 1e-4f);
            UNet2DModel u = unet(m, 4);
            float[] a = Inversion.stochastic(u, noise, z0, 650, Conditioning.NONE, null, Generator.of(4, "si")).toFloatArray();
            float[] b = Inversion.stochastic(u, noise, z0, 650, Conditioning.NONE, null, Generator.of(4, "si")).toFloatArray();
            assertArrayEquals(a, b, 0f, "seeded per call");
            assertFalse(java.util.Arrays.equals(a, zt.toFloatArray()), "a real model's ε̂ is not the drawn ε");
        }
    }

    @Test
    void aGuidanceHookChangesADdimSampleAndSeesItsVariance() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = unet(m, 2);
            Shape shape = new Shape(1, 3, 16, 32);
            double[] seen = {-1};
            SamplingHook shift = new SamplingHook() {
                @Override
                public NDArray guideMean(int index, int t, NDArray xt, NDArray mean, double variance) {
                    seen[0] = Math.max(seen[0], variance);
                    return mean.add(0.05f);
                }
            };
            for (double eta : new double[] {0.0, 1.0}) {
                seen[0] = -1;
                DdimScheduler s = new DdimScheduler(PLAIN.withClassName("DDIMScheduler")).eta(eta);
                var o = DiffusionSampler.Options.of(5).withGenerator(Generator.of(2, "sample"));
                float[] plain = DiffusionSampler.generate(u, s, shape, m, Conditioning.NONE, null, o, SamplingHook.NONE).toFloatArray();
                float[] again = DiffusionSampler.generate(u, s, shape, m, Conditioning.NONE, null,
                        o.withGenerator(Generator.of(2, "sample")), SamplingHook.NONE).toFloatArray();
                float[] guided = DiffusionSampler.generate(u, s, shape, m, Conditioning.NONE, null,
                        o.withGenerator(Generator.of(2, "sample")), shift).toFloatArray();
                assertArrayEquals(plain, again, 0f, "eta " + eta + ": the same generator gives the same sample");
                assertFalse(java.util.Arrays.equals(plain, guided), "eta " + eta + ": the hook moved the sample");
                if (eta == 0) {
                    assertEquals(0.0, seen[0], "deterministic DDIM adds no noise");
                } else {
                    assertTrue(seen[0] > 0, "eta 1 DDIM: the hook sees the step's variance");
                }
            }
        }
    }

    @Test
    void controlNetRunsOnBothHalvesOfClassifierFreeGuidanceWithTheirOwnText() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = Generator.of(6, "init").seeded(() -> PipelineIoTest.tiny(m));
            // zero convolutions start at zero: give them weights so the residuals depend on the text
            Generator w = Generator.of(6, "zero convs");
            ParamNames.of(p.controlnet()).forEach((k, par) -> {
                if (k.startsWith("controlnet_down_blocks") || k.startsWith("controlnet_mid_block")) {
                    Tensors.copyInto(par.getArray(), Tensors.mul(w.randn(m, par.getArray().getShape()), 0.1));
                }
            });
            NDArray x = Generator.of(6, "x").randn(m, new Shape(1, 4, 4, 8));
            NDArray image = Generator.of(6, "image").rand(m, new Shape(1, 3, 8, 16), 0f, 1f);
            NDArray cond = p.textEncoder().encode(m, new int[][] {p.tokenizer().encode("driving at night")}, false);
            NDArray unc = p.textEncoder().encode(m, new int[][] {p.tokenizer().encode("")}, false);
            var control = new DiffusionSampler.Control(p.controlnet(), image, 0.8);
            int t = 500;
            double scale = 4.0;
            NDArray got = DiffusionSampler.predict(p.unet(), x, t, Conditioning.text(cond), Conditioning.text(unc), scale, control);
            float[] ts = {t};
            NDArray epsU = p.unet().predict(x, ts, p.controlnet().residuals(x, ts, unc, image, 0.8f, false), false);
            NDArray epsC = p.unet().predict(x, ts, p.controlnet().residuals(x, ts, cond, image, 0.8f, false), false);
            NDArray expected = epsU.add(Tensors.mul(epsC.sub(epsU), scale));
            assertArrayEquals(expected.toFloatArray(), got.toFloatArray(), 1e-4f);
            // the old way (conditional residuals reused for the unconditional half) gives another answer
            Conditioning shared = p.controlnet().residuals(x, ts, cond, image, 0.8f, false);
            NDArray epsUShared = p.unet().predict(x, ts, new Conditioning(unc, shared.downResiduals(), shared.midResidual()), false);
            assertTrue(epsUShared.sub(epsU).abs().max().getFloat() > 1e-4, "the unconditional half has residuals of its own");
        }
    }

    @ParameterizedTest
    @CsvSource({"DDPMScheduler,0.3", "DDPMScheduler,0.5", "DDPMScheduler,1.0", "DDIMScheduler,0.3", "DDIMScheduler,0.5",
            "DDIMScheduler,1.0", "DPMSolverMultistepScheduler,0.3", "DPMSolverMultistepScheduler,0.5",
            "DPMSolverMultistepScheduler,1.0"})
    void img2imgRunsWithEverySchedulerFromMidSchedule(String scheduler, double strength) {
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = unet(m, 3);
            int[] calls = {0};
            List<Integer> ts = new java.util.ArrayList<>();
            Denoiser counting = new Denoiser() {
                @Override
                public int inChannels() {
                    return u.inChannels();
                }

                @Override
                public NDArray predict(NDArray x, float[] t, Conditioning cond, boolean training) {
                    calls[0]++;
                    ts.add((int) t[0]);
                    return u.predict(x, t, cond, training);
                }
            };
            Scheduler s = Scheduler.create(PLAIN.withClassName(scheduler));
            NDArray source = Generator.of(3, "source").rand(m, new Shape(2, 3, 16, 32), -1f, 1f);
            var o = DiffusionSampler.Options.of(10).withStrength(strength).withGenerator(Generator.perItem(3, "img2img", 0, 2));
            NDArray out = DiffusionSampler.img2img(counting, s, source, Conditioning.NONE, null, o, SamplingHook.NONE);
            assertEquals(source.getShape(), out.getShape());
            assertEquals((int) Math.floor(10 * strength), calls[0], "denoiser calls");
            int[] all = DiffusionSampler.img2imgTimesteps(Scheduler.create(PLAIN.withClassName(scheduler)), 10, strength);
            assertEquals(java.util.Arrays.stream(all).boxed().toList(), ts, "the kept tail of the schedule");
            assertTrue(Float.isFinite(out.abs().sum().getFloat()));
        }
    }

    @Test
    void perItemGeneratorsMakeAnImageIndependentOfItsBatch() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray pair = Generator.perItem(9, "noise", 0, 2).randn(m, new Shape(2, 3, 4, 4));
            NDArray second = Generator.perItem(9, "noise", 1, 1).randn(m, new Shape(1, 3, 4, 4));
            assertArrayEquals(second.toFloatArray(), pair.get("1:2").toFloatArray(), 0f);
            NDArray joined = NDArrays.concat(new NDList(pair.get("0:1"), second), 0);
            assertArrayEquals(pair.toFloatArray(), joined.toFloatArray(), 0f);
        }
    }

    /**
     * A step's arrays are freed with the step: whatever the number of steps, with classifier-free
     * guidance and a ControlNet, the caller's scope gains the result and nothing else. Before,
     * the ControlNet's conditioning embedding and the concatenated prompts of every step went to
     * the scope of the control image and the prompts, which lives as long as the batch (13 GB for
     * two 256×512 transfers, now 2.3 GB).
     */
    @Test
    void samplingStepsLeaveOnlyTheirResultInTheCallersScope() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = Generator.of(6, "init").seeded(() -> PipelineIoTest.tiny(m));
            for (int steps : new int[] {2, 5}) {
                try (NDManager run = m.newSubManager()) {
                    NDArray x = Generator.of(6, "x").randn(run, new Shape(1, 4, 4, 8));
                    NDArray image = Generator.of(6, "image").rand(run, new Shape(1, 3, 8, 16), 0f, 1f);
                    NDArray cond = p.textEncoder().encode(run, new int[][] {p.tokenizer().encode("driving at night")}, false);
                    NDArray unc = p.textEncoder().encode(run, new int[][] {p.tokenizer().encode("")}, false);
                    int before = run.getManagedArrays().size();
                    Scheduler s = new DdimScheduler(SchedulerConfig.ddpm()).eta(1.0);
                    s.setTimesteps(steps);
                    var o = DiffusionSampler.Options.of(steps).withGuidance(4).withGenerator(Generator.of(6, "noise"))
                            .withControl(new DiffusionSampler.Control(p.controlnet(), image, 1.0));
                    NDArray out = DiffusionSampler.loop(p.unet(), s, x, s.timesteps(), Conditioning.text(cond),
                            Conditioning.text(unc), o, SamplingHook.NONE);
                    assertEquals(before + 1, run.getManagedArrays().size(), steps + " steps: the result and nothing else");
                    assertTrue(Float.isFinite(out.abs().sum().getFloat()));
                }
            }
        }
    }
}
