package org.diffuda.diffusion.io;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.DataException;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.CLIPTextConfig;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.text.ClipTokenizer;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.Json;

/**
 * Reads and writes a diffusers pipeline folder: {@code model_index.json} and one folder per
 * component — {@code unet/}, {@code vae/}, {@code controlnet/} ({@code config.json} +
 * {@code diffusion_pytorch_model.safetensors}), {@code text_encoder/} ({@code config.json} +
 * {@code model.safetensors}), {@code tokenizer/}, {@code scheduler/scheduler_config.json}. Weights
 * in F32, F16 or BF16 are read into fp32; they are written in fp32 or fp16.
 */
public final class PipelineFolder {
    public static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";
    public static final String TRANSFORMERS_WEIGHTS = "model.safetensors";

    /** A Stable-Diffusion-shaped pipeline; controlnet may be null. */
    public record StableDiffusion(UNet2DConditionModel unet, AutoencoderKL vae, CLIPTextModel textEncoder,
                                  ClipTokenizer tokenizer, SchedulerConfig scheduler, ControlNetModel controlnet) {
        /** The same pipeline with another U-Net (U-Net swap); the ControlNet and everything else are shared, not copied. */
        public StableDiffusion withUnet(UNet2DConditionModel u) {
            return new StableDiffusion(u, vae, textEncoder, tokenizer, scheduler, controlnet);
        }
    }

    private PipelineFolder() {}

    public static void save(Path dir, StableDiffusion p, boolean half) {
        AtomicFiles.write(dir, tmp -> {
            Files.createDirectories(tmp);
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("_class_name", p.controlnet() == null ? "StableDiffusionPipeline" : "StableDiffusionControlNetPipeline");
            index.put("_diffusers_version", "0.27.2");
            index.put("unet", List.of("diffusers", "UNet2DConditionModel"));
            index.put("vae", List.of("diffusers", "AutoencoderKL"));
            index.put("text_encoder", List.of("transformers", "CLIPTextModel"));
            index.put("tokenizer", List.of("transformers", "CLIPTokenizer"));
            index.put("scheduler", List.of("diffusers", p.scheduler().className()));
            if (p.controlnet() != null) {
                index.put("controlnet", List.of("diffusers", "ControlNetModel"));
            }
            Files.writeString(tmp.resolve("model_index.json"), Json.write(index));
            writeComponent(tmp.resolve("unet"), p.unet().config(), p.unet(), DIFFUSERS_WEIGHTS, half);
            writeComponent(tmp.resolve("vae"), p.vae().config(), p.vae(), DIFFUSERS_WEIGHTS, half);
            writeComponent(tmp.resolve("text_encoder"), p.textEncoder().config(), p.textEncoder(), TRANSFORMERS_WEIGHTS, half);
            if (p.controlnet() != null) {
                writeComponent(tmp.resolve("controlnet"), null, p.controlnet(), DIFFUSERS_WEIGHTS, half);
            }
            p.tokenizer().save(tmp.resolve("tokenizer"));
            Files.createDirectories(tmp.resolve("scheduler"));
            Files.writeString(tmp.resolve("scheduler/scheduler_config.json"), Json.write(p.scheduler()));
        });
    }

    public static StableDiffusion load(Path dir, NDManager m) {
        return load(dir, m, null);
    }

    /**
     * @param variant null for the full-precision weights, or a diffusers variant such as "fp16"
     *                ({@code diffusion_pytorch_model.fp16.safetensors}, {@code model.fp16.safetensors})
     */
    public static StableDiffusion load(Path dir, NDManager m, String variant) {
        JsonNode index = readJson(dir.resolve("model_index.json"));
        for (String c : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
            if (!index.has(c)) {
                throw new DataException(dir.resolve("model_index.json"), "has no '" + c + "' component");
            }
        }
        UNet2DConditionConfig uc = config(dir.resolve("unet"), UNet2DConditionConfig.class);
        UNet2DConditionModel unet = new UNet2DConditionModel(uc).init(m);
        loadWeights(dir.resolve("unet"), unet, DIFFUSERS_WEIGHTS, variant);
        AutoencoderKL vae = new AutoencoderKL(config(dir.resolve("vae"), AutoencoderKLConfig.class)).init(m);
        loadWeights(dir.resolve("vae"), vae, DIFFUSERS_WEIGHTS, variant);
        CLIPTextModel text = new CLIPTextModel(config(dir.resolve("text_encoder"), CLIPTextConfig.class)).init(m);
        loadWeights(dir.resolve("text_encoder"), text, TRANSFORMERS_WEIGHTS, variant);
        ClipTokenizer tok = ClipTokenizer.load(dir.resolve("tokenizer"));
        SchedulerConfig sc = config(dir.resolve("scheduler"), "scheduler_config.json", SchedulerConfig.class);
        ControlNetModel cn = null;
        if (index.has("controlnet") && Files.isDirectory(dir.resolve("controlnet"))) {
            cn = loadControlNet(dir.resolve("controlnet"), m, variant);
        }
        return new StableDiffusion(unet, vae, text, tok, sc, cn);
    }

    /** The U-Net folder {@code dir} names: itself (config.json) or a pipeline's unet/; null for neither. */
    public static Path unetDir(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) ? dir
                : Files.isRegularFile(dir.resolve("unet/config.json")) ? dir.resolve("unet") : null;
    }

    /**
     * The config of U-Net folder {@code d} (see {@link #unetDir}), checked from the file alone to
     * serve in place of a U-Net of config {@code like} (null: any): a config.json that declares
     * another model class (a ControlNet's) is refused as such — the config record would fill a
     * missing class in, so the file's own {@code _class_name} is read; one without a class is
     * accepted, as diffusers' {@code from_pretrained} does — and so is another architecture.
     */
    public static UNet2DConditionConfig swapConfig(Path d, UNet2DConditionConfig like) {
        Path file = d.resolve("config.json");
        String declared = Json.readFile(file, JsonNode.class).path("_class_name").asText("");
        if (!declared.isEmpty() && !declared.equals("UNet2DConditionModel")) {
            throw new DataException(file, "describes a " + declared + ", not a UNet2DConditionModel");
        }
        UNet2DConditionConfig uc = config(d, UNet2DConditionConfig.class);
        if (like != null && !uc.equals(like)) {
            throw new DataException(file, "its architecture differs from the pipeline's U-Net; a swap needs the same one");
        }
        return uc;
    }

    /**
     * A U-Net from a diffusers U-Net folder (config.json + weights) or a pipeline folder (its unet/),
     * which must have the architecture of {@code like} (another U-Net of the same base).
     */
    public static UNet2DConditionModel loadUNet(Path dir, NDManager m, String variant, UNet2DConditionConfig like) {
        Path d = unetDir(dir);
        if (d == null) {
            throw new DataException(dir, "is neither a U-Net folder (config.json) nor a pipeline with unet/");
        }
        UNet2DConditionConfig uc = swapConfig(d, like);
        UNet2DConditionModel unet = new UNet2DConditionModel(uc).init(m);
        loadWeights(d, unet, DIFFUSERS_WEIGHTS, variant);
        return unet;
    }

    public static ControlNetModel loadControlNet(Path dir, NDManager m) {
        return loadControlNet(dir, m, null);
    }

    public static ControlNetModel loadControlNet(Path dir, NDManager m, String variant) {
        ControlNetModel cn = new ControlNetModel(config(dir, UNet2DConditionConfig.class)).init(m);
        loadWeights(dir, cn, DIFFUSERS_WEIGHTS, variant);
        return cn;
    }

    /** A UNet2DModel folder (config.json + diffusion_pytorch_model.safetensors). */
    public static UNet2DModel loadUNet2D(Path dir, NDManager m) {
        UNet2DModel u = new UNet2DModel(config(dir, UNet2DConfig.class)).init(m);
        loadWeights(dir, u, DIFFUSERS_WEIGHTS);
        return u;
    }

    public static void saveUNet2D(Path dir, UNet2DModel u) {
        AtomicFiles.write(dir, tmp -> writeComponent(tmp, u.config(), u, DIFFUSERS_WEIGHTS, false));
    }

    public static void writeComponent(Path dir, Object config, Block model, String weightsFile, boolean half)
            throws IOException {
        Files.createDirectories(dir);
        if (config != null) {
            Files.writeString(dir.resolve("config.json"), Json.write(config));
        } else if (model instanceof ControlNetModel cn) {
            Files.writeString(dir.resolve("config.json"), Json.write(cn.config()));
        }
        Map<String, Safetensors.Tensor> w = StateDict.deferred(model); // one tensor in the heap at a time
        if (half) {
            w.replaceAll((k, t) -> t.toF16Deferred());
        }
        Safetensors.write(dir.resolve(weightsFile), w, Map.of("format", "pt"));
    }

    public static void loadWeights(Path dir, Block model, String weightsFile) {
        loadWeights(dir, model, weightsFile, null);
    }

    /**
     * A component's weights: {@code NAME[.VARIANT].safetensors}, or — sharded, as large checkpoints
     * are saved — the shards listed by {@code NAME.safetensors.index[.VARIANT].json}'s weight_map.
     */
    public static void loadWeights(Path dir, Block model, String weightsFile, String variant) {
        StateDict.load(model, readWeights(dir, weightsFile, variant), dir.resolve(weightsFile).toString());
    }

    static Map<String, Safetensors.Tensor> readWeights(Path dir, String weightsFile, String variant) {
        String stem = weightsFile.substring(0, weightsFile.length() - ".safetensors".length());
        String single = variant == null ? weightsFile : stem + "." + variant + ".safetensors";
        String indexName = weightsFile + ".index" + (variant == null ? "" : "." + variant) + ".json";
        Path f = dir.resolve(single);
        if (Files.isRegularFile(f)) {
            return Safetensors.read(f, true).tensors(); // one tensor's bytes in memory at a time
        }
        Path index = dir.resolve(indexName);
        if (!Files.isRegularFile(index)) {
            String hint = variant == null && Files.isRegularFile(dir.resolve(stem + ".fp16.safetensors"))
                    ? " (an fp16 variant is there: --variant fp16)" : "";
            throw new DataException(dir, "no " + single + " and no " + indexName + hint);
        }
        JsonNode map = readJson(index).get("weight_map");
        if (map == null || !map.isObject()) {
            throw new DataException(index, "no \"weight_map\" object");
        }
        Map<String, java.util.List<String>> byShard = new java.util.TreeMap<>();
        map.fields().forEachRemaining(e -> byShard.computeIfAbsent(e.getValue().asText(), k -> new java.util.ArrayList<>()).add(e.getKey()));
        Map<String, Safetensors.Tensor> all = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, java.util.List<String>> e : byShard.entrySet()) {
            Path shard = dir.resolve(e.getKey()).normalize();
            if (!shard.getParent().equals(dir.normalize()) || !Files.isRegularFile(shard)) {
                throw new DataException(index, "shard '" + e.getKey() + "' is not a file beside the index");
            }
            Map<String, Safetensors.Tensor> t = Safetensors.read(shard, true).tensors();
            for (String k : e.getValue()) {
                Safetensors.Tensor x = t.get(k);
                if (x == null) {
                    throw new DataException(shard, "has no tensor " + k + " (the index puts it there)");
                }
                all.put(k, x);
            }
        }
        return all;
    }

    public static <T> T config(Path dir, Class<T> type) {
        return config(dir, "config.json", type);
    }

    public static <T> T config(Path dir, String file, Class<T> type) {
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new DataException(p, "missing component config");
        }
        return org.diffuda.util.Configs.read(p, type);
    }

    static JsonNode readJson(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new DataException(p, "not a diffusers pipeline folder (no model_index.json)");
        }
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (IOException e) {
            throw new DataException(p, "unreadable JSON: " + Json.firstLine(e.getMessage()));
        }
    }
}
