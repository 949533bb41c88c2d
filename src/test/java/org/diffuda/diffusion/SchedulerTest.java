package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.diffuda.diffusion.schedulers.DdimScheduler;
import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.DpmSolverMultistepScheduler;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reproduces diffusers' own scheduler tests (tests/schedulers/test_scheduler_{ddpm,ddim,dpm_multi}.py):
 * the same deterministic dummy sample, the dummy model sample·t/(t+1), the same configs, and the
 * expected sums and means printed there.
 */
class SchedulerTest {
    NDManager m;

    @BeforeEach
    void open() {
        m = Engines.engine().newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** torch.arange(768).reshape(3, 8, 8, 4) / 768, permuted to (4, 3, 8, 8). */
    NDArray sampleDeter() {
        return m.arange(0f, 768f).reshape(3, 8, 8, 4).div(768f).transpose(3, 0, 1, 2);
    }

    NDArray noiseDeter() {
        return m.arange(0f, 768f).flip(0).reshape(3, 8, 8, 4).div(768f).transpose(3, 0, 1, 2);
    }

    static NDArray model(NDArray sample, int t) {
        return sample.mul((float) t / (t + 1));
    }

    static SchedulerConfig ddimConfig() {
        return SchedulerConfig.ddpm().withClassName("DDIMScheduler");
    }

    double[] sumMean(NDArray x) {
        NDArray a = x.abs();
        return new double[] {a.sum().getFloat(), a.mean().getFloat()};
    }

    NDArray ddimLoop(SchedulerConfig c) {
        DdimScheduler s = new DdimScheduler(c);
        s.setTimesteps(10);
        NDArray x = sampleDeter();
        for (int t : s.timesteps()) {
            x = s.step(model(x, t), t, x, null).prevSample();
        }
        return x;
    }

    @Test
    void ddimFullLoops() {
        double[] r = sumMean(ddimLoop(ddimConfig()));
        assertEquals(172.0067, r[0], 1e-2);
        assertEquals(0.223967, r[1], 1e-4);
        r = sumMean(ddimLoop(ddimConfig().withPrediction("v_prediction")));
        assertEquals(52.5302, r[0], 1e-2);
        assertEquals(0.0684, r[1], 1e-4);
        r = sumMean(ddimLoop(ddimConfig().withAlphaToOne(true).withBetas(0.01, 0.02, "linear")));
        assertEquals(149.8295, r[0], 1e-2);
        assertEquals(0.1951, r[1], 1e-4);
        r = sumMean(ddimLoop(ddimConfig().withAlphaToOne(false).withBetas(0.01, 0.02, "linear")));
        assertEquals(149.0784, r[0], 1e-2);
        assertEquals(0.1941, r[1], 1e-4);
    }

    @Test
    void ddimWithNoiseFromTStart() {
        DdimScheduler s = new DdimScheduler(ddimConfig());
        s.setTimesteps(10);
        int[] ts = java.util.Arrays.copyOfRange(s.timesteps(), 8, 10);
        NDArray x = s.addNoise(sampleDeter(), noiseDeter(), ts[0]);
        for (int t : ts) {
            x = s.step(model(x, t), t, x, null).prevSample();
        }
        double[] r = sumMean(x);
        assertEquals(354.5418, r[0], 1e-2);
        assertEquals(0.4616, r[1], 1e-4);
    }

    @Test
    void timestepSpacings() {
        SchedulerConfig c = ddimConfig().withSpacing("leading", 1);
        DdimScheduler s = new DdimScheduler(c);
        s.setTimesteps(5);
        assertArrayEquals(new int[] {801, 601, 401, 201, 1}, s.timesteps());
        s = new DdimScheduler(ddimConfig().withSpacing("trailing", 0));
        s.setTimesteps(5);
        assertArrayEquals(new int[] {999, 799, 599, 399, 199}, s.timesteps());
        s = new DdimScheduler(ddimConfig().withSpacing("linspace", 0));
        s.setTimesteps(5);
        assertArrayEquals(new int[] {999, 749, 500, 250, 0}, s.timesteps());
        assertThrows(IllegalArgumentException.class, () -> new DdimScheduler(ddimConfig()).setTimesteps(0));
    }

    @Test
    void ddimVariance() {
        DdimScheduler s = new DdimScheduler(ddimConfig());
        assertEquals(0.0, s.variance(0, 0), 1e-5);
        assertEquals(0.14771, s.variance(420, 400), 1e-5);
        assertEquals(0.32460, s.variance(980, 960), 1e-5);
        assertEquals(0.00979, s.variance(487, 486), 1e-5);
        assertEquals(0.02, s.variance(999, 998), 1e-5);
    }

    @Test
    void ddpmVariance() {
        DdpmScheduler s = new DdpmScheduler(SchedulerConfig.ddpm());
        assertEquals(0.0, s.variance(0), 1e-5);
        assertEquals(0.00979, s.variance(487), 1e-5);
        assertEquals(0.02, s.variance(999), 1e-5);
        DdpmScheduler large = new DdpmScheduler(SchedulerConfig.ddpm().withVarianceType("fixed_large"));
        assertEquals(large.noise().beta(487), large.variance(487), 1e-7, "fixed_large is β_t");
    }

    NDArray ddpmLoop(SchedulerConfig c) {
        DdpmScheduler s = new DdpmScheduler(c);
        NDArray x = sampleDeter();
        // diffusers draws each step's noise from torch.manual_seed(0) in order, only for t > 0: the same
        // draws, made in the same order here (test code may use the global generator; the product never does)
        Engines.engine().setRandomSeed(0);
        for (int t : s.timesteps()) {
            NDArray mean = s.mean(model(x, t), t, x).prevSample();
            x = s.addsNoise(t) ? mean.add(x.getManager().randomNormal(mean.getShape()).mul((float) Math.sqrt(s.variance(t)))) : mean;
        }
        return x;
    }

    @Test
    void ddpmFullLoops() {
        double[] r = sumMean(ddpmLoop(SchedulerConfig.ddpm()));
        assertEquals(258.9606, r[0], 1e-2);
        assertEquals(0.3372, r[1], 1e-4);
        r = sumMean(ddpmLoop(SchedulerConfig.ddpm().withPrediction("v_prediction")));
        assertEquals(202.0296, r[0], 1e-2);
        assertEquals(0.2631, r[1], 1e-4);
    }

    NDArray dpmLoop(SchedulerConfig c) {
        DpmSolverMultistepScheduler s = new DpmSolverMultistepScheduler(c);
        s.setTimesteps(10);
        NDArray x = sampleDeter();
        for (int t : s.timesteps()) {
            x = s.step(model(x, t), t, x, null).prevSample();
        }
        return x;
    }

    /**
     * diffusers' test config. Its expected means (0.3301, 0.2251) were computed with a final
     * step to σ_min — final_sigmas_type "sigma_min"; the newer default "zero" ends in x̂₀ instead.
     */
    static SchedulerConfig dpmConfig() {
        SchedulerConfig c = SchedulerConfig.ddpm().withClassName("DPMSolverMultistepScheduler").withSpacing("linspace", 0)
                .withSolver(2, false).withClip(false);
        return new SchedulerConfig(c.className(), c.numTrainTimesteps(), c.betaStart(), c.betaEnd(), c.betaSchedule(),
                c.predictionType(), false, 1.0, true, 0, "linspace", "fixed_small", 2, "dpmsolver++", "midpoint", false, "sigma_min");
    }

    @Test
    void dpmSolverFullLoops() {
        assertEquals(0.3301, sumMean(dpmLoop(dpmConfig()))[1], 1e-4);
        assertEquals(0.2251, sumMean(dpmLoop(dpmConfig().withPrediction("v_prediction")))[1], 1e-4);
        // the "zero" final sigma ends on x̂₀ with a first-order step; a different, finite result
        SchedulerConfig zero = dpmConfig();
        zero = new SchedulerConfig(zero.className(), 1000, 1e-4, 0.02, "linear", "epsilon", false, 1.0, true, 0, "linspace",
                "fixed_small", 2, "dpmsolver++", "midpoint", false, "zero");
        double z = sumMean(dpmLoop(zero))[1];
        org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(z) && Math.abs(z - 0.3301) > 1e-2);
    }

    @Test
    void addNoiseIsTheForwardProcess() {
        Scheduler s = Scheduler.create(SchedulerConfig.ddpm());
        NDArray x0 = m.ones(new Shape(2, 3));
        NDArray eps = m.zeros(new Shape(2, 3));
        double a = s.noise().alphaCumprod(500);
        assertEquals(Math.sqrt(a), s.addNoise(x0, eps, 500).getFloat(0, 0), 1e-6);
        NDArray perSample = s.noise().addNoise(x0, eps, new int[] {0, 999});
        assertEquals(Math.sqrt(s.noise().alphaCumprod(999)), perSample.getFloat(1, 2), 1e-6);
    }

    /**
     * diffusers computes the DDPM step's scalars in float32 (tensors of alphas_cumprod); near t = 0,
     * 1 − ᾱ_t/ᾱ_{t−1} cancels, and double arithmetic moved the variance and x₀ coefficient by 1e-4
     * relative — enough to change diffusers' own full-loop reference sums.
     */
    @Test
    void ddpmStepScalarsUseFloat32ArithmeticAsDiffusers() {
        DdpmScheduler s = new DdpmScheduler(SchedulerConfig.ddpm());
        s.setTimesteps(1000);
        for (int t : new int[] {1, 2, 500, 999}) {
            float a = (float) s.noise().alphaCumprod(t), ap = (float) s.noise().alphaCumprod(t - 1);
            float beta = 1f - a / ap;
            float expected = Math.max((1f - ap) / (1f - a) * beta, 1e-20f);
            assertEquals(expected, (float) s.variance(t), 0f, "variance at t = " + t);
            double inDouble = (1 - (double) ap) / (1 - (double) a) * (1 - (double) a / ap);
            if (t == 1) {
                assertTrue(Math.abs(inDouble - expected) / expected > 1e-5, "the case the float32 rule is about");
            }
        }
    }
}
