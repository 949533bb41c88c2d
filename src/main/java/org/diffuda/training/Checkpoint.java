package org.diffuda.training;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Json;
import ai.djl.nn.Block;

/**
 * A checkpoint directory: {@code config.json} (every constructor and training argument),
 * {@code model.safetensors} (parameters and buffers under torch-style keys), and for a training
 * run {@code optimizer.safetensors} + {@code state.json} (iteration, loss history), plus any
 * further modules in sub-folders and named tensor files (EMA). The directory is replaced whole
 * and kill-safely ({@link AtomicFiles}).
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String CONFIG = "config.json";
    public static final String STATE = "state.json";
    private static final Map<String, String> WEIGHTS_METADATA = Map.of("format", "pt", "producer", "diffuda");

    private Checkpoint() {}

    /** Everything one checkpoint holds; modules keyed by sub-folder ("" = the directory itself). */
    public record Contents(Object config, Map<String, Block> modules, Map<String, Object> moduleConfigs,
                           Map<String, Optimizer> optimizers, Map<String, Map<String, Safetensors.Tensor>> tensors,
                           Object state) {}

    public static void save(Path dir, Object config, Block model, Optimizer opt, Object state) {
        Map<String, Optimizer> opts = new LinkedHashMap<>();
        if (opt != null) {
            opts.put(OPTIMIZER, opt);
        }
        save(dir, new Contents(config, Map.of("", model), Map.of(), opts, Map.of(), state));
    }

    public static void save(Path dir, Contents c) {
        // each tensor's bytes are copied as it is written (one in the heap at a time: an SD-sized
        // U-Net with AdamW's two moments and an EMA is 13.6 GB); nothing trains during the save
        Map<String, Map<String, Safetensors.Tensor>> weights = new LinkedHashMap<>();
        c.modules().forEach((sub, b) -> weights.put(sub, StateDict.deferred(b)));
        Map<String, Map<String, Safetensors.Tensor>> opt = new LinkedHashMap<>();
        c.optimizers().forEach((file, o) -> opt.put(file, o.state()));
        AtomicFiles.write(dir, tmp -> {
            Files.createDirectories(tmp);
            Files.writeString(tmp.resolve(CONFIG), Json.write(c.config()));
            for (Map.Entry<String, Map<String, Safetensors.Tensor>> e : weights.entrySet()) {
                Path d = e.getKey().isEmpty() ? tmp : tmp.resolve(e.getKey());
                Files.createDirectories(d);
                Object mc = c.moduleConfigs().get(e.getKey());
                if (mc != null && e.getKey().isEmpty()) {
                    throw new IllegalArgumentException("a root module's config would overwrite the run configuration in " + CONFIG);
                }
                if (mc != null) {
                    Files.writeString(d.resolve(CONFIG), Json.write(mc));
                }
                Safetensors.write(d.resolve(MODEL), e.getValue(), WEIGHTS_METADATA);
            }
            for (Map.Entry<String, Map<String, Safetensors.Tensor>> e : opt.entrySet()) {
                Safetensors.write(tmp.resolve(e.getKey()), e.getValue(), Map.of());
            }
            for (Map.Entry<String, Map<String, Safetensors.Tensor>> e : c.tensors().entrySet()) {
                Safetensors.write(tmp.resolve(e.getKey()), e.getValue(), Map.of());
            }
            if (c.state() != null) {
                Files.writeString(tmp.resolve(STATE), Json.write(c.state()));
            }
        });
    }

    /** Whether {@code dir} holds a checkpoint (after repairing what a killed writer left). */
    public static boolean exists(Path dir) {
        AtomicFiles.recover(dir);
        return Files.isRegularFile(dir.resolve(MODEL)) && Files.isRegularFile(dir.resolve(CONFIG));
    }

    /**
     * What a command does with a checkpoint it finds (or not) in its output: one there and no
     * {@code --resume} is refused (nothing is overwritten); {@code --resume} and none there says so and
     * starts fresh. Resuming itself also checks the configuration ({@link #requireSameConfig}).
     */
    public static void resumePolicy(Path checkpoint, boolean resume, Path out) {
        boolean there = exists(checkpoint);
        if (there && !resume) {
            throw new DiffudaException("--out " + out + ": holds a checkpoint of an earlier run; pass --resume to continue it or choose another --out");
        }
        if (!there && resume) {
            System.err.println("--resume: no checkpoint in " + checkpoint + "; starting a fresh run");
        }
    }

    public static JsonNode config(Path dir) {
        Path p = dir.resolve(CONFIG);
        if (!Files.isRegularFile(p)) {
            throw new DiffudaException(dir + ": not a checkpoint (no " + CONFIG + ")");
        }
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (java.io.IOException e) {
            throw new DiffudaException(p + ": unreadable JSON: " + Json.firstLine(e.getMessage()));
        }
    }

    /**
     * Refuses to resume {@code dir} with a configuration that differs from the one it was started
     * with, naming the differing keys; keys in {@code mayChange} (e.g. the iteration count, to
     * extend a run) may differ.
     */
    public static void requireSameConfig(Path dir, Object config, Set<String> mayChange) {
        JsonNode saved = config(dir);
        JsonNode now = Json.MAPPER.valueToTree(config);
        List<String> diff = new ArrayList<>();
        differences("", saved, now, diff);
        diff.removeIf(k -> mayChange.contains(k.substring(k.lastIndexOf('.') + 1)));
        if (!diff.isEmpty()) {
            throw new DiffudaException(dir + ": cannot resume: the configuration differs from the checkpoint's in "
                    + String.join(", ", diff.size() <= 8 ? diff : diff.subList(0, 8)) + (diff.size() > 8 ? " and " + (diff.size() - 8) + " more" : "")
                    + "; use the original options or another --out");
        }
    }

    /**
     * An output folder made by one configuration: the first run writes {@code file} (the
     * configuration as JSON), a later one with another configuration is refused with a one-line
     * error ("--out OUT: holds WHAT made with another configuration (keys differ in FILE)").
     */
    public static void guard(Path out, String file, Map<String, Object> config, String what) {
        guard(out, file, config, what, null);
    }

    /**
     * The same for a method's run folder: with {@code resume} false an existing record is refused
     * ("pass --resume"), with true it must match; null: always continue a matching one.
     */
    public static void guard(Path out, String file, Map<String, Object> config, String what, Boolean resume) {
        Path f = out.resolve(file);
        try {
            if (Files.isRegularFile(f) && Boolean.FALSE.equals(resume)) {
                throw new DiffudaException("--out " + out + ": holds an earlier " + what + "; pass --resume to continue it or choose another --out");
            }
            if (Files.isRegularFile(f)) {
                List<String> diff = differences(Json.MAPPER.readTree(f.toFile()), config);
                if (!diff.isEmpty()) {
                    throw new DiffudaException("--out " + out + ": holds " + what + " made with another configuration ("
                            + String.join(", ", diff) + " differ in " + f + "); choose another --out");
                }
            } else {
                AtomicFiles.writeString(f, Json.write(config));
            }
        } catch (java.io.IOException e) {
            throw new DiffudaException(f + ": " + AtomicFiles.ioReason(e), e);
        }
    }

    /** The dotted keys where a saved configuration and {@code config} differ (numbers compared by value). */
    public static List<String> differences(JsonNode saved, Object config) {
        List<String> diff = new ArrayList<>();
        differences("", saved, Json.MAPPER.valueToTree(config), diff);
        return diff;
    }

    private static void differences(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            Set<String> keys = new TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                differences(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k), out);
            }
            return;
        }
        if (a == null || b == null || !a.equals(b)) {
            if (a != null && b != null && a.isNumber() && b.isNumber() && a.asDouble() == b.asDouble()) {
                return;
            }
            out.add(path.isEmpty() ? "(root)" : path);
        }
    }

    public static void loadWeights(Path dir, Block model) {
        Path p = dir.resolve(MODEL);
        if (!Files.isRegularFile(p)) {
            throw new DiffudaException(dir + ": not a checkpoint (no " + MODEL + ")");
        }
        StateDict.load(model, Safetensors.read(p, true).tensors(), p.toString());
    }

    static void loadOptimizer(Path file, Optimizer opt, boolean required) {
        if (Files.isRegularFile(file)) {
            opt.loadState(Safetensors.read(file, true).tensors());
        } else if (required) {
            throw new DiffudaException(file + ": missing from the checkpoint");
        }
    }
}
