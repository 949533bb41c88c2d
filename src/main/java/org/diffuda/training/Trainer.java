package org.diffuda.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.diffuda.nn.Safetensors;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Generators;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;

/**
 * The one training loop (mmcv's runner with DACS's {@code train_step}): it owns resume,
 * checkpoints every k iterations, stop-after, learning-rate schedules, gradient zeroing, the
 * per-iteration generators, EMA, non-finite-step skipping, the progress bar and the loss log;
 * a method supplies only its {@link Step} — one iteration's losses from its own batch — and may
 * own several parameter groups with their optimisers (an adversarial method updates D after G).
 *
 * <p>A run killed at any instant and started again with the same checkpoint directory ends at
 * the bytes an uninterrupted run writes: every random draw of iteration i comes from generators
 * derived from (seed, purpose, i), data sources are positioned at the resumed iteration, and the
 * checkpoint holds weights, optimiser moments, EMA and history together.
 */
public final class Trainer {
    /** One logged iteration: its named losses (the first is the one shown) and the first group's lr. */
    public record Record(long iter, Map<String, Double> losses, double lr) {
        public double loss() {
            return losses.isEmpty() ? Double.NaN : losses.values().iterator().next();
        }
    }

    /** What a run leaves: the whole loss history, this process's wall time, where it resumed. */
    public record Result(List<Record> history, double seconds, long resumedFrom, long skippedSteps) {}

    /** The training state saved in a checkpoint. */
    public record State(long iteration, long seed, List<Record> history) {}

    /** One optimiser with its parameters and learning-rate schedule. */
    public record Group(String name, Optimizer optimizer, LrSchedule schedule) {}

    /** A method's iteration: draws its batch, runs forward/backward through {@link Iteration}. */
    public interface Step extends AutoCloseable {
        /** Positions the step's data at the first iteration this process runs (0 or the resumed one). */
        default void start(long iteration) {}

        /** One iteration; returns the named losses to log. */
        Map<String, Double> run(Iteration it);

        @Override
        default void close() {}
    }

    /** Keys of a configuration that may change when a run is resumed (to extend it). */
    public static final Set<String> EXTENSIBLE = Set.of("iterations", "checkpointEvery", "checkpoint_every");

    /** The optimiser-state file of a group: the first group's is {@code optimizer.safetensors}. */
    static String optimizerFile(int index, String name) {
        return index == 0 ? Checkpoint.OPTIMIZER : "optimizer." + name + ".safetensors";
    }

    public static final String EMA = "ema.safetensors";

    private final String name;
    private final long iterations;
    private final long seed;
    private final Map<String, Block> modules = new LinkedHashMap<>();
    private final Map<String, Object> moduleConfigs = new LinkedHashMap<>();
    private final List<Group> groups = new ArrayList<>();
    private Ema ema;
    private Block emaOf;
    private Path dir;
    private Object config;
    private int every = Integer.MAX_VALUE;
    private long stopAfter;
    private int maxBadSteps = 10;

    public Trainer(String name, long iterations, long seed) {
        if (iterations < 0) {
            throw new DiffudaException(name + ": iterations " + iterations + " must be ≥ 0");
        }
        this.name = name;
        this.iterations = iterations;
        this.seed = seed;
    }

    /** A module saved in the checkpoint: {@code ""} in the directory itself, else in a sub-folder. */
    public Trainer module(String sub, Block block, Object moduleConfig) {
        modules.put(sub, block);
        if (moduleConfig != null) {
            moduleConfigs.put(sub, moduleConfig);
        }
        return this;
    }

    public Trainer group(String groupName, Optimizer opt, LrSchedule schedule) {
        for (long it : new long[] {0, Math.max(0, schedule.warmupIters()), Math.max(0, iterations - 1)}) {
            double lr = schedule.at(it);
            if (!Double.isFinite(lr) || lr < 0) {
                throw new DiffudaException(name + ": learning rate " + schedule.base() + " gives " + lr
                        + " at iteration " + it + "; it must be a finite number ≥ 0");
            }
        }
        groups.add(new Group(groupName, opt, schedule));
        return this;
    }

    /** An exponential moving average of {@code model}, updated after every iteration and checkpointed. */
    public Trainer ema(Ema e, Block model) {
        this.ema = e;
        this.emaOf = model;
        return this;
    }

    /** Checkpoints into {@code dir} every {@code k} iterations and at the end; resumes from it. */
    public Trainer checkpoint(Path checkpointDir, Object runConfig, int k) {
        this.dir = checkpointDir;
        this.config = runConfig;
        this.every = k <= 0 ? Integer.MAX_VALUE : k;
        return this;
    }

    /** Ends this process's share after {@code n} iterations (≤ 0: never), as a kill would; tests use it. */
    public Trainer stopAfter(long n) {
        this.stopAfter = n;
        return this;
    }

    /** Runs {@code step} to the last iteration (or stop-after) and closes it. */
    public Result run(Step step) {
        List<Record> history = new ArrayList<>();
        long start = resume(history);
        Engines.engine();
        List<Parameter> trainable = new ArrayList<>();
        for (Group g : groups) {
            trainable.addAll(g.optimizer().parameters().values());
        }
        trainable.forEach(p -> p.getArray().setRequiresGradient(true));
        groups.forEach(g -> g.optimizer().zeroGradients());
        NDManager root = trainable.isEmpty() ? Engines.engine().newBaseManager()
                : trainable.get(0).getArray().getManager();
        long t0 = System.nanoTime();
        long skipped = 0;
        int bad = 0;
        try (step; Progress progress = new Progress(name, iterations, start)) {
            step.start(start);
            for (long it = start; it < iterations; it++) {
                Map<String, Double> losses;
                Iteration ctx;
                try (NDManager sub = root.newSubManager()) {
                    ctx = new Iteration(it, sub);
                    losses = ordered(step.run(ctx));
                    ctx.finish();
                }
                if (ctx.nonFinite) {
                    skipped++;
                    if (++bad >= maxBadSteps) {
                        throw new DiffudaException(name + " diverged: the loss was not finite for " + maxBadSteps
                                + " iterations in a row, up to iteration " + (it + 1) + "; lower the learning rate");
                    }
                } else {
                    bad = 0;
                }
                if (ema != null) {
                    ema.update(emaOf);
                }
                history.add(new Record(it + 1, losses, groups.isEmpty() ? 0 : groups.get(0).schedule().at(it)));
                progress.step(format(losses));
                boolean last = it + 1 == iterations;
                boolean stop = stopAfter > 0 && it + 1 - start >= stopAfter;
                if (dir != null && (last || stop || (it + 1) % every == 0)) {
                    save(new State(it + 1, seed, history));
                }
                if (stop) {
                    break;
                }
            }
        } finally {
            trainable.forEach(p -> p.getArray().setRequiresGradient(false));
            if (trainable.isEmpty()) {
                root.close();
            }
        }
        return new Result(history, (System.nanoTime() - t0) / 1e9, start, skipped);
    }

    private long resume(List<Record> history) {
        if (dir == null || !Checkpoint.exists(dir)) {
            return 0;
        }
        Checkpoint.requireSameConfig(dir, config, EXTENSIBLE);
        for (Map.Entry<String, Block> e : modules.entrySet()) {
            Checkpoint.loadWeights(e.getKey().isEmpty() ? dir : dir.resolve(e.getKey()), e.getValue());
        }
        for (int i = 0; i < groups.size(); i++) {
            Checkpoint.loadOptimizer(dir.resolve(optimizerFile(i, groups.get(i).name())), groups.get(i).optimizer(), true);
        }
        if (ema != null) {
            ema.load(Safetensors.read(dir.resolve(EMA), true).tensors());
        }
        State st = Json.readFile(dir.resolve(Checkpoint.STATE), State.class);
        if (st.iteration() > iterations) {
            throw new DiffudaException(dir + ": the checkpoint is at iteration " + st.iteration() + ", past the "
                    + iterations + " asked for");
        }
        history.addAll(st.history());
        if (st.iteration() < iterations && !Progress.quiet()) {
            System.err.printf("%s: resuming %s at iteration %d of %d%n", name, dir, st.iteration(), iterations);
        }
        return st.iteration();
    }

    private void save(State state) {
        Map<String, Optimizer> opts = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            opts.put(optimizerFile(i, groups.get(i).name()), groups.get(i).optimizer());
        }
        Map<String, Map<String, Safetensors.Tensor>> tensors = new LinkedHashMap<>();
        if (ema != null) {
            tensors.put(EMA, ema.state());
        }
        Checkpoint.save(dir, new Checkpoint.Contents(config, modules, moduleConfigs, opts, tensors, state));
    }

    /** Loss names in a fixed order, whatever map the step returned (Map.of iterates in a per-JVM order). */
    private static Map<String, Double> ordered(Map<String, Double> losses) {
        return losses instanceof LinkedHashMap || losses.size() <= 1 ? losses : new java.util.TreeMap<>(losses);
    }

    private static String format(Map<String, Double> losses) {
        StringBuilder sb = new StringBuilder();
        losses.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append(' ').append(String.format("%.4f", v)));
        return sb.toString();
    }

    /** What a step sees of its iteration. */
    public final class Iteration implements Generators {
        private final long index;
        private final NDManager manager;
        private final Set<String> updated = new HashSet<>();
        private boolean backwardRan;
        private boolean nonFinite;

        Iteration(long index, NDManager manager) {
            this.index = index;
            this.manager = manager;
        }

        public long index() {
            return index;
        }

        /** This iteration's memory scope: closed when the iteration ends. */
        public NDManager manager() {
            return manager;
        }

        @Override
        /** The generator of this iteration for {@code purpose} ("noise", "timesteps", "augment", …). */
        public Generator generator(String purpose) {
            return Generator.of(seed, purpose, index);
        }

        public double lr(String group) {
            return find(group).schedule().at(index);
        }

        /**
         * Runs {@code forward} inside a gradient tape — libtorch's global generator seeded from
         * this iteration's "dropout" generator, for dropout and drop-path — and backpropagates the
         * loss it returns. A non-finite loss is not backpropagated; the iteration's updates are
         * then skipped (and counted; too many in a row end the run). Returns the loss value.
         */
        public double backward(Supplier<NDArray> forward) {
            return backward("dropout", forward);
        }

        /** As {@link #backward(Supplier)}, with the dropout generator of another purpose (a second pass). */
        public double backward(String dropoutPurpose, Supplier<NDArray> forward) {
            double[] value = new double[1];
            generator(dropoutPurpose).seeded(() -> {
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    NDArray loss = forward.get();
                    value[0] = loss.getFloat();
                    if (Double.isFinite(value[0])) {
                        gc.backward(loss);
                    }
                }
                return null;
            });
            if (!Double.isFinite(value[0])) {
                nonFinite = true;
            }
            backwardRan = true;
            return value[0];
        }

        /** Steps one group's optimiser now; groups a step leaves alone are stepped after it returns. */
        public void update(String group) {
            Group g = find(group);
            if (nonFinite) {
                g.optimizer().zeroGradients();
            } else if (!g.optimizer().step(g.schedule().at(index))) {
                nonFinite = true;
            }
            updated.add(group);
        }

        void finish() {
            for (Group g : groups) {
                if (!updated.contains(g.name()) && backwardRan) {
                    update(g.name());
                }
            }
        }

        private Group find(String group) {
            for (Group g : groups) {
                if (g.name().equals(group)) {
                    return g;
                }
            }
            throw new IllegalArgumentException(name + ": no parameter group '" + group + "'");
        }
    }
}
