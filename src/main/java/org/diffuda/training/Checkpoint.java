package org.diffuda.training;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Json;
import ai.djl.nn.Block;

/**
 * A checkpoint directory: {@code config.json} (every constructor and training argument),
 * {@code model.safetensors} (parameters and buffers under torch-style keys), and for a training
 * run {@code optimizer.safetensors} + {@code state.json} (iteration, loss history). The
 * directory is written under a temporary name and renamed when complete.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String CONFIG = "config.json";
    public static final String STATE = "state.json";

    private Checkpoint() {}

    public static void save(Path dir, Object config, Block model, Optimizer opt, Object state) {
        Map<String, Safetensors.Tensor> weights = StateDict.of(model);
        Map<String, Safetensors.Tensor> optState = opt == null ? null : opt.state();
        AtomicFiles.write(dir, tmp -> {
            Files.createDirectories(tmp);
            Files.writeString(tmp.resolve(CONFIG), Json.write(config));
            Safetensors.write(tmp.resolve(MODEL), weights, Map.of("format", "pt", "producer", "diffuda"));
            if (optState != null) {
                Safetensors.write(tmp.resolve(OPTIMIZER), optState, Map.of());
            }
            if (state != null) {
                Files.writeString(tmp.resolve(STATE), Json.write(state));
            }
        });
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MODEL)) && Files.isRegularFile(dir.resolve(CONFIG));
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

    public static void loadWeights(Path dir, Block model) {
        Path p = dir.resolve(MODEL);
        if (!Files.isRegularFile(p)) {
            throw new DiffudaException(dir + ": not a checkpoint (no " + MODEL + ")");
        }
        StateDict.load(model, Safetensors.read(p).tensors(), p.toString());
    }

    public static void loadOptimizer(Path dir, Optimizer opt) {
        Path p = dir.resolve(OPTIMIZER);
        if (Files.isRegularFile(p)) {
            opt.loadState(Safetensors.read(p).tensors());
        }
    }
}
