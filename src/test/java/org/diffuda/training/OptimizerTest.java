package org.diffuda.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffuda.nn.Linear;
import org.diffuda.nn.ParamNames;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    @Test
    void nonFiniteGradientsSkipTheStepAndLeaveWeightsClean() {
        Engines.seed(0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Linear l = new Linear(3, 2).init(m);
            var params = ParamNames.trainable(l);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, 0.01).clipGradNorm(1.0);
            float[] before = params.get("weight").getArray().toFloatArray();
            try (NDManager sub = m.newSubManager()) {
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    gc.backward(l.forward(sub.ones(new Shape(1, 3)).mul(Float.MAX_VALUE), false).mul(1e30f).sum());
                }
                assertFalse(opt.step(1e-2));
            }
            assertArrayEquals(before, params.get("weight").getArray().toFloatArray());
            assertEquals(1, opt.skipped());
            try (NDManager sub = m.newSubManager()) {
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    gc.backward(l.forward(sub.ones(new Shape(1, 3)), false).sum());
                }
                assertTrue(opt.step(1e-2), "the zeroed buffers take the next finite gradient");
            }
            float[] after = params.get("weight").getArray().toFloatArray();
            for (float v : after) {
                assertTrue(Float.isFinite(v));
            }
            assertTrue(after[0] < before[0], "an AdamW step on a positive gradient lowers the weight");
        }
    }
}
