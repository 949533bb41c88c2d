package org.diffuda.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's decoded-sample cache changes how often PNGs are decoded, never what a batch holds. */
class LoaderCacheTest {
    static List<float[]> batches(Dataset d, Transforms.Transform t, int n) {
        List<float[]> out = new ArrayList<>();
        try (Loader l = new Loader(List.of(d), Loader.epochSampler(List.of(d), 3), 4, t, 3, 0, 2, 2, BadInput.strict())) {
            for (int i = 0; i < n; i++) {
                Batch b = l.next();
                float[] all = new float[0];
                for (Sample s : b.samples()) {
                    float[] x = new float[all.length + s.image().length];
                    System.arraycopy(all, 0, x, 0, all.length);
                    System.arraycopy(s.image(), 0, x, all.length, s.image().length);
                    all = x;
                }
                out.add(all);
            }
        }
        return out;
    }

    @Test
    void cachedBatchesEqualDecodedOnesAndEachImageIsDecodedOnce(@TempDir Path tmp) {
        Progress.setQuiet(true);
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        Dataset base = Datasets.open(tmp.resolve("b/sim/train").toString(), BadInput.strict());
        AtomicInteger decodes = new AtomicInteger();
        Dataset counting = new Dataset() {
            public String name() {
                return base.name();
            }

            public int size() {
                return base.size();
            }

            public String id(int i) {
                return base.id(i);
            }

            public Sample load(int i) {
                decodes.incrementAndGet();
                return base.load(i);
            }

            public boolean labelled() {
                return base.labelled();
            }
        };
        Transforms.Transform t = Transforms.compose(List.of(Transforms.randomScale(0.75, 1.5),
                Transforms.randomCrop(32, 64, 1.0), Transforms.hflip(0.5), Transforms.photometric()));
        int iterations = 3 * base.size() / 4; // three epochs of batch 4
        System.setProperty("diffuda.loader.cache.mb", "0");
        List<float[]> plain;
        try {
            plain = batches(counting, t, iterations);
        } finally {
            System.clearProperty("diffuda.loader.cache.mb");
        }
        // at least once per use (the prefetch queue may already have decoded a batch or two more)
        assertTrue(decodes.get() >= 4 * iterations, "without the cache every use decodes: " + decodes.get());
        decodes.set(0);
        List<float[]> cached = batches(counting, t, iterations);
        // about once per image: two workers may both miss on one image at the same instant
        assertTrue(decodes.get() <= base.size() + 16, "with the cache each image is decoded about once: " + decodes.get());
        for (int i = 0; i < iterations; i++) {
            assertArrayEquals(plain.get(i), cached.get(i), 0f, "batch " + i);
        }
    }
}
