package org.diffuda.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Outside autograd a segmenter's backbone blocks and conv modules free their intermediates as
 * they return (at Cityscapes' 1024×2048, DeepLabV3+ ResNet-101 no longer needs more than this
 * machine's 24 GB): the same logits, a fraction of the arrays left in the caller's scope.
 */
class InferenceScopeTest {
    @ParameterizedTest
    @ValueSource(strings = {"deeplabv3plus", "segformer"})
    void inferenceKeepsFewArraysAndTheSameLogits(String arch) {
        SegModelConfig cfg = arch.equals("segformer") ? SegModelConfig.smallDaformer() : SegModelConfig.small();
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter s = Generator.of(2, "init").seeded(() -> SegModels.create(cfg, m));
            float[] kept;
            int underAutograd;
            try (NDManager step = m.newSubManager()) {
                NDArray x = Generator.of(2, "x").rand(step, new Shape(2, 3, 32, 64), 0f, 1f);
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    kept = s.logits(x, false).toFloatArray();
                }
                underAutograd = step.getManagedArrays().size();
            }
            try (NDManager step = m.newSubManager()) {
                NDArray x = Generator.of(2, "x").rand(step, new Shape(2, 3, 32, 64), 0f, 1f);
                NDArray y = s.logits(x, false);
                int inference = step.getManagedArrays().size();
                assertArrayEquals(kept, y.toFloatArray(), 0f);
                assertTrue(inference * 2 < underAutograd, arch + ": " + inference + " arrays left by inference, "
                        + underAutograd + " under autograd");
            }
        }
    }
}
