package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.junit.jupiter.api.Test;

/** Peng's φⁿ tails: the full chain, and strided tails that still end on t = 0. */
class SchedulerTailTest {
    @Test
    void tailsEndAtZeroAndJumpAtMostTheStride() {
        DdpmScheduler s = new DdpmScheduler(SchedulerConfig.ddpm().withVarianceType("fixed_large"));
        s.setTailTimesteps(5);
        assertArrayEquals(new int[] {4, 3, 2, 1, 0}, s.timesteps());
        s.setTailTimesteps(100, 25);
        assertArrayEquals(new int[] {99, 74, 50, 25, 0}, s.timesteps());
        assertEquals(5, DdpmScheduler.tailLength(100, 25));
        s.setTailTimesteps(1, 25);
        assertArrayEquals(new int[] {0}, s.timesteps());
        // a jump's fixed_large variance is the β of the whole jump: 1 − ᾱ_t / ᾱ_prev
        s.setTailTimesteps(100, 25);
        float expected = 1f - (float) s.noise().alphaCumprod(99) / (float) s.noise().alphaCumprod(74); // float32, as diffusers
        assertEquals(expected, s.variance(99), 0);
        assertEquals(99, s.previousTimestep(99) + 25);
    }

    @Test
    void fixedSmallJumpVarianceIsThePosteriorOfTheJumpAndSmallerNearZero() {
        DdpmScheduler large = new DdpmScheduler(SchedulerConfig.ddpm().withVarianceType("fixed_large"));
        DdpmScheduler small = new DdpmScheduler(SchedulerConfig.ddpm().withVarianceType("fixed_small"));
        large.setTailTimesteps(100, 25);
        small.setTailTimesteps(100, 25);
        float a50 = (float) small.noise().alphaCumprod(50), a25 = (float) small.noise().alphaCumprod(25);
        float beta = 1f - a50 / a25;
        assertEquals((1f - a25) / (1f - a50) * beta, small.variance(50), 0);
        // why the strided small profile samples with β̃: near t = 0 a jump's β is over 3× its posterior variance
        org.junit.jupiter.api.Assertions.assertTrue(large.variance(50) > 3 * small.variance(50));
    }
}
