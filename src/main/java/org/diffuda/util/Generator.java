package org.diffuda.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * A random stream of its own, as diffusers' {@code generator=}: derived from the run seed, what
 * it is for and an index (iteration, image), so its numbers do not depend on what else ran
 * before it in the JVM, in which order, or how often a run was killed and resumed.
 *
 * <p>Tensor draws use libtorch's CPU generator (the same normal and uniform kernels as torch):
 * each draw re-seeds it from this stream under a lock and draws at once, so nothing else can
 * interleave. Java-side draws (indices, coin flips) come from {@link #random()}.
 */
public final class Generator {
    private static final Object TORCH = new Object();
    private final SplittableRandom stream;
    private java.util.List<Generator> items;

    private Generator(long state) {
        this.stream = new SplittableRandom(state);
    }

    /** The generator for {@code purpose} (and optional indices) of a run with {@code seed}. */
    public static Generator of(long seed, String purpose, long... index) {
        long[] tags = new long[index.length + 1];
        tags[0] = Rng.stringTag(purpose);
        System.arraycopy(index, 0, tags, 1, index.length);
        return new Generator(Rng.mix(seed, tags));
    }

    /**
     * One generator per item of a batch (diffusers' list of generators): a draw of shape (N, …)
     * takes item i's slice from generator i, so image i is the same whatever batch it is in.
     */
    public static Generator perItem(java.util.List<Generator> generators) {
        if (generators.isEmpty()) {
            throw new IllegalArgumentException("perItem: no generators");
        }
        Generator g = new Generator(0x9E3779B97F4A7C15L); // its own stream: drawing from an item here would shift that item
        g.items = java.util.List.copyOf(generators);
        return g;
    }

    /** Generators of items {@code first} … {@code first + n − 1} for {@code purpose} of a run with {@code seed}. */
    public static Generator perItem(long seed, String purpose, long first, int n) {
        java.util.List<Generator> gs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            gs.add(of(seed, purpose, first + i));
        }
        return perItem(gs);
    }

    /** A sub-stream, independent of this one's later draws. */
    public Generator child(String purpose, long... index) {
        long[] tags = new long[index.length + 1];
        tags[0] = Rng.stringTag(purpose);
        System.arraycopy(index, 0, tags, 1, index.length);
        return new Generator(Rng.mix(nextSeed(), tags));
    }

    public synchronized long nextSeed() {
        return stream.nextLong();
    }

    /** A java.util.Random for Java-side choices (sample indices, flips). */
    public Random random() {
        return new Random(nextSeed());
    }

    /** N(0, 1) of {@code shape} (float32). */
    public NDArray randn(NDManager m, Shape shape) {
        if (items != null) {
            return perItemDraw(m, shape, (g, s) -> g.randn(m, s));
        }
        long s = nextSeed();
        synchronized (TORCH) {
            seedTorch(s);
            return m.randomNormal(0f, 1f, shape, DataType.FLOAT32);
        }
    }

    /** U[lo, hi) of {@code shape} (float32). */
    public NDArray rand(NDManager m, Shape shape, float lo, float hi) {
        if (items != null) {
            return perItemDraw(m, shape, (g, s) -> g.rand(m, s, lo, hi));
        }
        long s = nextSeed();
        synchronized (TORCH) {
            seedTorch(s);
            return m.randomUniform(lo, hi, shape, DataType.FLOAT32);
        }
    }

    /**
     * Runs {@code body} with libtorch's global generator seeded from this stream, for native ops
     * that read only the global one (dropout, parameter initialisers). Nothing else may draw from
     * it meanwhile: the trainer and model builders are single-threaded.
     */
    public <T> T seeded(java.util.function.Supplier<T> body) {
        long s = nextSeed();
        synchronized (TORCH) {
            seedTorch(s);
            return body.get();
        }
    }

    private NDArray perItemDraw(NDManager m, Shape shape, java.util.function.BiFunction<Generator, Shape, NDArray> draw) {
        if (shape.get(0) != items.size()) {
            throw new IllegalArgumentException("a draw of " + shape + " from " + items.size() + " per-item generators");
        }
        Shape one = new Shape(1).addAll(shape.slice(1));
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        for (Generator g : items) {
            parts.add(draw.apply(g, one));
        }
        NDArray out = ai.djl.ndarray.NDArrays.concat(parts, 0);
        parts.forEach(NDArray::close);
        return out;
    }

    private static void seedTorch(long s) {
        Engines.engine();
        ai.djl.pytorch.jni.JniUtils.setSeed(s);
    }
}
