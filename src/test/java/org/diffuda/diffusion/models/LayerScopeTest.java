package org.diffuda.diffusion.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;

/**
 * A layer's forward frees its intermediates when it returns (DJL otherwise keeps every
 * intermediate of a forward until the step's scope closes), with or without autograd, and
 * changes nothing else: the same values, and gradients still reach inputs and weights.
 */
class LayerScopeTest {
    @Test
    void aLayerLeavesItsOutputAndNothingElse() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            ResnetBlock2D res = new ResnetBlock2D(8, 16, 12, 4, 1e-5f, 0f).init(m, Generator.of(3, "res"));
            Transformer2D tr = new Transformer2D(16, 2, 8, 1, 6, 4).init(m, Generator.of(3, "tr"));
            SpatialAttention sa = new SpatialAttention(16, 8, 4, 1e-6f).init(m, Generator.of(3, "sa"));
            float[] first = null;
            for (boolean autograd : new boolean[] {false, true}) {
                try (NDManager step = m.newSubManager(); NDManager longLived = m.newSubManager()) {
                    NDArray x = Generator.of(3, "x").randn(step, new Shape(2, 8, 4, 8));
                    NDArray temb = Generator.of(3, "temb").randn(longLived, new Shape(2, 12));
                    NDArray context = Generator.of(3, "ctx").randn(longLived, new Shape(2, 5, 6));
                    int inStep = step.getManagedArrays().size();
                    NDArray y;
                    try (GradientCollector gc = autograd ? Engines.engine().newGradientCollector() : null) {
                        y = sa.apply(tr.apply(res.apply(x, temb, false), context, false), false);
                    }
                    String mode = autograd ? "under autograd" : "outside autograd";
                    assertEquals(inStep + 3, step.getManagedArrays().size(), mode + ": three layer outputs, no intermediate");
                    assertEquals(2, longLived.getManagedArrays().size(), mode + ": nothing made of the embeddings stays with them");
                    assertSame(step, y.getManager());
                    assertSame(longLived, temb.getManager(), "inputs go back where they were");
                    if (first == null) {
                        first = y.toFloatArray();
                    } else {
                        assertArrayEquals(first, y.toFloatArray(), 0f);
                    }
                }
            }
        }
    }

    @Test
    void underAutogradTheBackwardPassStillReachesInputsAndWeights() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            ResnetBlock2D res = new ResnetBlock2D(8, 8, 12, 4, 1e-5f, 0f).init(m, Generator.of(4, "res"));
            Transformer2D tr = new Transformer2D(8, 2, 4, 1, 6, 4).init(m, Generator.of(4, "tr"));
            NDArray x = Generator.of(4, "x").randn(m, new Shape(2, 8, 4, 4));
            NDArray context = Generator.of(4, "ctx").randn(m, new Shape(2, 5, 6));
            NDArray temb = Generator.of(4, "temb").randn(m, new Shape(2, 12));
            x.setRequiresGradient(true);
            context.setRequiresGradient(true);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                gc.backward(tr.apply(res.apply(x, temb, true), context, true).square().sum());
            }
            assertTrue(x.getGradient().abs().sum().getFloat() > 0, "input gradient");
            assertTrue(context.getGradient().abs().sum().getFloat() > 0, "context gradient through cross-attention");
            res.getParameters().forEach(p -> {
                assertNotNull(p.getValue().getArray().getGradient());
                assertTrue(p.getValue().getArray().getGradient().abs().sum().getFloat() > 0, p.getKey());
            });
        }
    }

    @Test
    void anInputHandedBackStaysWithItsOwnManager() {
        try (NDManager m = Engines.engine().newBaseManager(); NDManager step = m.newSubManager();
             NDManager longLived = m.newSubManager()) {
            NDArray x = step.zeros(new Shape(2));
            NDArray kept = longLived.ones(new Shape(2));
            NDArray y = org.diffuda.nn.Tensors.freeing(() -> kept, x, kept);
            assertSame(kept, y);
            assertSame(longLived, kept.getManager());
            assertEquals(2f, kept.sum().getFloat(), 0f);
        }
    }
}
