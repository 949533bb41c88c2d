package org.diffuda.methods.sggptl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;

/** Guidance passes are sized by pixels, and how the copies or images are split does not change the gradient. */
class GuidanceChunkTest {
    @Test
    void chunksShrinkWithTheInputAndNeverPassTheEmbeddedSize() {
        assertEquals(48, SemanticGradientGuidance.chunkFor(64 * 128));
        assertEquals(48, SemanticGradientGuidance.chunkFor(16 * 32), "small inputs keep the embedded chunk");
        assertEquals(3, SemanticGradientGuidance.chunkFor(256 * 512));
        assertEquals(1, SemanticGradientGuidance.chunkFor(512 * 1024));
        assertEquals(1, SemanticGradientGuidance.chunkFor(1024 * 2048));
    }

    @Test
    void splitPassesGiveTheGradientOfOnePass() {
        Engines.seed(21);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter g = SegModels.create(new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0), m);
            int n = 3, h = 16, w = 32;
            long[] l = new long[n * h * w];
            for (int i = 0; i < n; i++) { // three images, each with its own stripes of 3 to 4 classes
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        l[(i * h + y) * w + x] = (x / (8 + i) + 2 * i) % 19;
                    }
                }
            }
            NDArray labels = m.create(l, new Shape(n, h, w));
            NDArray xt = Generator.of(21, "x").randn(m, new Shape(n, 3, h, w));
            SemanticGradientGuidance sgg = new SemanticGradientGuidance(g, labels, 1, Arrangement.LOCAL_ONLY, 1, 0);
            int copies = SemanticGradientGuidance.copies(labels).size();
            assertTrue(copies > 4, "several chunks: " + copies + " copies");
            close(sgg.localGradient(xt, copies), sgg.localGradient(xt, 2), "LCG, chunks of 2 copies");
            close(sgg.globalGradient(xt, n), sgg.globalGradient(xt, 1), "GSG, one image at a time");
            close(sgg.globalGradient(xt, n), sgg.globalGradient(xt, 2), "GSG, chunks of 2 images");
        }
    }

    private static void close(NDArray whole, NDArray split, String what) {
        assertEquals(whole.getShape(), split.getShape(), what);
        float scale = whole.abs().max().getFloat();
        assertTrue(scale > 0, what + ": a gradient");
        float diff = whole.sub(split).abs().max().getFloat();
        assertTrue(diff <= 1e-5 * scale, what + ": differs by " + diff + " (max " + scale + ")");
    }
}
