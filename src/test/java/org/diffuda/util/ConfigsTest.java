package org.diffuda.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.methods.sggptl.SggPtlConfig;
import org.diffuda.segmentation.TrainConfig;
import org.junit.jupiter.api.Test;

class ConfigsTest {
    @Test
    void overridesByNameKeepEveryOtherField() {
        TrainConfig t = TrainConfig.small();
        TrainConfig u = Configs.with(t, "iterations", 7, "lr", 2e-4);
        assertEquals(7, u.iterations());
        assertEquals(2e-4, u.lr());
        assertEquals(Configs.with(u, "iterations", t.iterations(), "lr", t.lr()), t, "nothing else changed");
        SchedulerConfig s = SchedulerConfig.stableDiffusion().with("prediction_type", "v_prediction", "steps_offset", 0);
        assertEquals("v_prediction", s.predictionType());
        assertEquals(0, s.stepsOffset());
        assertEquals(SchedulerConfig.stableDiffusion().betaEnd(), s.betaEnd());
        assertEquals(48, Configs.with(UNet2DConfig.small(), "sample_size", 48).sampleSize());
        assertEquals(0.5, SggPtlConfig.small().withGuidance(true, "global", 0.5).lambda());
    }

    @Test
    void anUnknownNameIsAnErrorListingTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.with(TrainConfig.small(), "iters", 3));
        assertTrue(e.getMessage().contains("[iters]") && e.getMessage().contains("iterations"), e.getMessage());
    }
}
