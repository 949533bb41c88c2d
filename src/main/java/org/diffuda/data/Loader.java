package org.diffuda.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Rng;

/**
 * Endless training batches, loaded in parallel with a bounded prefetch queue. What batch k
 * holds depends only on (seed, k), never on thread timing, so a run resumed at iteration k
 * sees exactly the batches an uninterrupted run would.
 */
public final class Loader implements AutoCloseable {
    /**
     * Chooses the samples of one batch: {dataset index, sample index} per slot, optionally a third
     * entry, the class the sample was drawn for (rare-class sampling), which a
     * {@link Transforms.ClassAware} transform receives.
     */
    public interface Sampler {
        int[][] pick(long iteration, int batchSize, Random rnd);
    }

    private final List<Dataset> datasets;
    private final Sampler sampler;
    private final int batchSize;
    private final Transforms.Transform transform;
    private final long seed;
    private final BadInput bad;
    private final ExecutorService pool;
    private final ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
    private final int prefetch;
    private long nextToSubmit;
    /** Decoded samples, shared by the workers, up to {@link #cacheBudget} bytes (transforms never modify a sample). */
    private final java.util.concurrent.ConcurrentHashMap<Long, Sample> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong cached = new java.util.concurrent.atomic.AtomicLong();
    private final long cacheBudget = cacheBudgetBytes();

    public Loader(List<Dataset> datasets, Sampler sampler, int batchSize, Transforms.Transform transform,
                  long seed, long startIteration, int workers, int prefetch, BadInput bad) {
        this.datasets = List.copyOf(datasets);
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.transform = transform;
        this.seed = seed;
        this.bad = bad;
        this.prefetch = Math.max(1, prefetch);
        this.nextToSubmit = startIteration;
        this.pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "diffuda-loader");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Concatenation of the datasets, each pass in a fresh seeded permutation. With several
     * datasets every batch takes an equal share from each (source + generated, source + mixed).
     */
    public static Sampler epochSampler(List<Dataset> datasets, long seed) {
        return (iteration, b, rnd) -> {
            int k = datasets.size();
            int[][] out = new int[b][];
            for (int j = 0; j < b; j++) {
                int d = j % k;
                long perD = (b + k - 1 - d) / k;
                long pos = iteration * perD + j / k;
                int n = datasets.get(d).size();
                long epoch = pos / n;
                int[] perm = permutation(n, Rng.mix(seed, d, epoch));
                out[j] = new int[] {d, perm[(int) (pos % n)]};
            }
            return out;
        };
    }

    /** A seeded permutation of 0..n−1 (Fisher–Yates over java.util.Random). */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The batch for the next iteration (iterations count up from startIteration). */
    public Batch next() {
        while (queue.size() < prefetch) {
            long it = nextToSubmit++;
            queue.add(pool.submit(() -> build(it)));
        }
        try {
            return queue.poll().get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new DiffudaException("loading a batch failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiffudaException("interrupted while loading");
        }
    }

    private Batch build(long iteration) {
        Random pickRnd = Rng.random(seed, 0x51ACL, iteration);
        int[][] picks = sampler.pick(iteration, batchSize, pickRnd);
        List<Sample> out = new ArrayList<>(batchSize);
        for (int j = 0; j < picks.length; j++) {
            Dataset d = datasets.get(picks[j][0]);
            int idx = picks[j][1];
            Sample s = null;
            for (int attempt = 0; s == null; attempt++) {
                try {
                    s = load(picks[j][0], d, (idx + attempt) % d.size());
                } catch (DataException e) {
                    bad.report(e);
                    if (attempt + 1 >= d.size()) {
                        throw new DiffudaException(d.name() + ": every sample is bad");
                    }
                }
            }
            Random r = Rng.random(seed, 0x7EA5L, iteration, j);
            out.add(transform instanceof Transforms.ClassAware ca && picks[j].length > 2 ? ca.apply(s, picks[j][2], r)
                    : transform.apply(s, r));
        }
        return Batch.of(out);
    }

    /** A decoded sample, from the cache when it is there; decoded (and cached while the budget lasts) otherwise. */
    private Sample load(int dataset, Dataset d, int index) {
        long key = ((long) dataset << 32) | index;
        Sample s = cache.get(key);
        if (s != null) {
            return s;
        }
        s = d.load(index);
        long bytes = 4L * s.image().length + (s.label() == null ? 0 : 4L * s.label().length);
        if (cached.addAndGet(bytes) > cacheBudget || cache.putIfAbsent(key, s) != null) {
            cached.addAndGet(-bytes); // over budget, or another worker cached it first
        }
        return s;
    }

    /**
     * The decoded-sample cache budget: {@code -Ddiffuda.loader.cache.mb} (0 turns it off), by default
     * a quarter of the JVM's maximum heap.
     */
    static long cacheBudgetBytes() {
        String p = System.getProperty("diffuda.loader.cache.mb");
        if (p != null) {
            return Long.parseLong(p.trim()) << 20;
        }
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** Bytes of decoded samples held (for the bench). */
    public long cachedBytes() {
        return Math.min(cached.get(), cacheBudget);
    }

    @Override
    public void close() {
        pool.shutdownNow();
        cache.clear();
    }
}
