package org.diffuda.segmentation.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.function.Function;
import org.diffuda.nn.Module;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;

/**
 * A segmenter backbone's blocks free their intermediates as they return, with or without
 * autograd: a deeper backbone leaves exactly one more array in the caller's scope per extra
 * block (its output), not a block's worth of intermediates (at Cityscapes' 1024×2048, DeepLabV3+
 * ResNet-101 was killed at 24 GB before and needs 9 GB now).
 */
class BlockScopeTest {
    static int arraysLeft(Module backbone, Function<NDArray, Object> forward, boolean autograd) {
        try (NDManager step = Engines.engine().newBaseManager()) {
            NDArray x = Generator.of(5, "x").rand(step, new Shape(1, 3, 32, 64), 0f, 1f);
            int before = step.getManagedArrays().size();
            try (GradientCollector gc = autograd ? Engines.engine().newGradientCollector() : null) {
                forward.apply(x);
            }
            return step.getManagedArrays().size() - before;
        }
    }

    @Test
    void eachExtraBlockLeavesOneArray() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            ResNet r18 = Generator.of(5, "r18").seeded(() -> new ResNet("resnet18", 8, 8).init(m));  // 8 basic blocks
            ResNet r34 = Generator.of(5, "r34").seeded(() -> new ResNet("resnet34", 8, 8).init(m));  // 16
            MixTransformer b1 = Generator.of(5, "b1").seeded(() -> new MixTransformer("mit-b1", 2, 0).init(m)); // 8 blocks
            MixTransformer b2 = Generator.of(5, "b2").seeded(() -> new MixTransformer("mit-b2", 2, 0).init(m)); // 16
            for (boolean autograd : new boolean[] {false, true}) {
                int shallow = arraysLeft(r18, x -> r18.stages(x, false), autograd);
                int deep = arraysLeft(r34, x -> r34.stages(x, false), autograd);
                assertEquals(8, deep - shallow, "ResNet-34 against ResNet-18, autograd " + autograd);
                shallow = arraysLeft(b1, x -> b1.stages(x, false), autograd);
                deep = arraysLeft(b2, x -> b2.stages(x, false), autograd);
                assertEquals(8, deep - shallow, "MiT-B2 against MiT-B1, autograd " + autograd);
            }
        }
    }
}
