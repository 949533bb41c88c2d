package org.diffuda.segmentation.models;

import ai.djl.ndarray.NDManager;
import org.diffuda.util.DiffudaException;

/** Builds a segmenter from its config. */
public final class SegModels {
    private SegModels() {}

    public static Segmenter build(SegModelConfig cfg) {
        try {
            return switch (cfg.arch()) {
                case "deeplabv3plus" -> new DeepLabV3Plus(cfg);
                case "segformer", "daformer" -> new SegFormer(cfg);
                case "cicld" -> new Cicld(cfg.cicld() == null ? SegModelConfig.cicld(CicldModelConfig.small()) : cfg);
                default -> throw new DiffudaException("model arch '" + cfg.arch() + "': expected deeplabv3plus, segformer or cicld");
            };
        } catch (IllegalArgumentException e) {
            throw new DiffudaException("model config: " + e.getMessage());
        }
    }

    public static Segmenter create(SegModelConfig cfg, NDManager manager) {
        return build(cfg).init(manager);
    }

    /** Loads a saved segmenter directory (config.json with a "model" entry + model.safetensors). */
    public static Segmenter load(java.nio.file.Path dir, NDManager manager) {
        com.fasterxml.jackson.databind.JsonNode cfg = org.diffuda.training.Checkpoint.config(dir);
        com.fasterxml.jackson.databind.JsonNode m = cfg.has("model") ? cfg.get("model") : cfg;
        SegModelConfig mc;
        try {
            mc = org.diffuda.util.Json.MAPPER.treeToValue(m, SegModelConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DiffudaException(dir + "/config.json: not a segmenter config: " + e.getOriginalMessage());
        }
        Segmenter s = create(mc, manager);
        org.diffuda.training.Checkpoint.loadWeights(dir, s);
        return s;
    }
}
