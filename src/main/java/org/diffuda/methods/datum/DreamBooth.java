package org.diffuda.methods.datum;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.diffusion.text.ClipTokenizer;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.DiffusionTrainer;
import org.diffuda.diffusion.training.TrainingData;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.diffuda.util.RunLock;

/**
 * DreamBooth on one image (diffusers' train_dreambooth.py, as DATUM runs it): the rare token V*
 * joins the tokenizer when it is not a single token already (its embedding row starts at the mean
 * of the others, transformers' mean-resizing); each step encodes a random crop of the image with
 * the frozen VAE and trains the U-Net — and by default the text encoder — on ε-MSE with the
 * instance prompt; with prior preservation a class image sampled from the base model joins each
 * batch. Writes {@code OUT/pipeline/} (and {@code OUT/step-N/} for each save point), each a
 * loadable diffusers folder; {@code OUT/checkpoint/} makes the run resumable.
 */
public final class DreamBooth {
    /** What the personalisation wrote: the final pipeline, the intermediate ones by step, and whether V* was added. */
    public record Result(Path pipeline, Map<Integer, Path> byStep, boolean tokenAdded) {}

    private DreamBooth() {}

    /**
     * @param image   CHW in [0, 1], ih × iw — the one target image
     * @param sampling how class images are sampled for prior preservation (steps, guidance of the generation)
     */
    public static Result personalize(Path base, String variant, Sample image, DreamBoothConfig c, GenerationConfig sampling,
                                     Path out, long seed) {
        c.check();
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(base, m, variant);
            int[] size = TextToImage.imageSize(p);
            int h = size[0], w = size[1];
            Sample img = resizeForCrops(image, h, w, c.shortSideRatio());
            List<float[]> classImages = c.priorPreservation() ? classImages(p, c, sampling, h, w, seed, m) : null;
            boolean added = ensureToken(p.tokenizer(), c.token());
            CLIPTextModel text = p.textEncoder();
            if (p.tokenizer().vocabSize() > text.config().vocabSize()) {
                text = withVocab(text, p.tokenizer().vocabSize(), m);
            }
            p = new PipelineFolder.StableDiffusion(p.unet(), p.vae(), text, p.tokenizer(), p.scheduler(), p.controlnet());
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("method", "dreambooth");
            config.put("base", base.toAbsolutePath().toString());
            config.put("image", image.id());
            config.put("dreambooth", c);
            config.put("seed", seed);
            Path record = out.resolve("dreambooth.json");
            if (Files.isRegularFile(record)) {
                JsonNode before = Json.MAPPER.readTree(record.toFile()).get("config");
                if (before == null || !Checkpoint.differences(before, config).isEmpty()) {
                    throw new DiffudaException("--out " + out + ": holds a personalisation with another configuration (" + record
                            + "); choose another --out");
                }
            }
            Json.writeFile(record, Json.object("config", config, "token_added", added));
            DiffusionTrainConfig tc = new DiffusionTrainConfig(c.steps(), 1, h, w, c.lr(), c.weightDecay(), c.clipNorm(), 0.0, 0.0,
                    0, c.checkpointEvery());
            TrainingData data = TrainingData.randomCrops(p.vae(), img.image(), img.height(), img.width(), h, w,
                    p.tokenizer().encode(c.instancePrompt()), classImages, classPrompts(c).stream().map(p.tokenizer()::encode).toList(),
                    c.priorLossWeight(), seed);
            Path ckpt = out.resolve("checkpoint");
            TreeSet<Integer> points = new TreeSet<>();
            for (int s : c.saveAt()) {
                if (s > 0 && s < c.steps()) {
                    points.add(s);
                }
            }
            points.add(c.steps());
            Map<Integer, Path> byStep = new LinkedHashMap<>();
            for (int s : points) {
                Path dir = s == c.steps() ? out.resolve("pipeline") : out.resolve("step-" + s);
                byStep.put(s, dir);
                if (Files.isRegularFile(dir.resolve("model_index.json")) && doneSteps(ckpt) >= s) {
                    continue;
                }
                // train (or resume) up to step s; a checkpoint already at s only loads its weights
                // decay 0: DreamBooth keeps no EMA, the U-Net holds the trained weights
                new DiffusionTrainer(p.unet(), new NoiseSchedule(p.scheduler()), p.scheduler().predictionType(),
                        tc.withIterations(s), seed).train(data, p.textEncoder(), c.trainTextEncoder(), ckpt, config, 0, null);
                PipelineFolder.save(dir, p, false);
            }
            return new Result(out.resolve("pipeline"), byStep, added);
        } catch (java.io.IOException e) {
            throw new DiffudaException(out + ": " + e.getMessage(), e);
        }
    }

    /** The image scaled so its short side is ratio × the crop's short side (and never smaller than the crop). */
    static Sample resizeForCrops(Sample s, int h, int w, double ratio) {
        double k = ratio * Math.min(h, w) / Math.min(s.height(), s.width());
        k = Math.max(k, Math.max((double) h / s.height(), (double) w / s.width()));
        int nh = Math.max(h, (int) Math.round(s.height() * k)), nw = Math.max(w, (int) Math.round(s.width() * k));
        return Transforms.resizeTo(s, nh, nw);
    }

    /** Adds the rare token when the tokenizer splits it; true when it was added. */
    public static boolean ensureToken(ClipTokenizer tok, String token) {
        if (tok.tokenize(token).size() == 1) {
            return false;
        }
        tok.addToken(token);
        return true;
    }

    /** The text encoder with its token embedding grown to {@code vocab} rows; new rows = the mean of the old ones. */
    static CLIPTextModel withVocab(CLIPTextModel te, int vocab, NDManager m) {
        CLIPTextModel out = new CLIPTextModel(Configs.with(te.config(), "vocab_size", vocab)).init(m, Generator.of(0, "init:text_encoder"));
        var src = ParamNames.of(te);
        String emb = null;
        for (var e : ParamNames.of(out).entrySet()) {
            if (e.getValue() == out.tokenEmbedding()) {
                emb = e.getKey();
            }
        }
        for (var e : ParamNames.of(out).entrySet()) {
            NDArray s = src.get(e.getKey()).getArray();
            if (e.getKey().equals(emb)) {
                long old = s.getShape().get(0);
                NDArray mean = s.mean(new int[] {0}, true);
                NDArray grown = s.concat(mean.repeat(0, vocab - old), 0);
                Tensors.copyInto(e.getValue().getArray(), grown);
                grown.close();
                mean.close();
            } else {
                Tensors.copyInto(e.getValue().getArray(), s);
            }
        }
        return out;
    }

    /**
     * The prompt of each class image: DreamBooth's one class prompt, or — when it holds {cls} —
     * one per thing class in turn ("a photo of a {cls}": each object word keeps its meaning).
     */
    static List<String> classPrompts(DreamBoothConfig c) {
        List<String> out = new ArrayList<>();
        List<Integer> things = org.diffuda.data.Classes.THINGS;
        for (int i = 0; i < c.classImages(); i++) {
            out.add(c.classPrompt().replace("{cls}", org.diffuda.data.Classes.NAMES[things.get(i % things.size())]));
        }
        return out;
    }

    /** DreamBooth's class images: samples of the class prompt(s) from the base model, one generator each. */
    static List<float[]> classImages(PipelineFolder.StableDiffusion p, DreamBoothConfig c, GenerationConfig g, int h, int w, long seed,
                                     NDManager m) {
        List<float[]> out = new ArrayList<>();
        for (int first = 0; first < c.classImages(); first += g.batch()) {
            int n = Math.min(g.batch(), c.classImages() - first);
            try (NDManager sub = m.newSubManager()) {
                NDArray imgs = TextToImage.generate(p, classPrompts(c).subList(first, first + n), null,
                        DiffusionSampler.Options.of(g.steps()).withGuidance(g.guidance())
                                .withGenerator(Generator.perItem(seed, "dreambooth class images", first, n)), sub, SamplingHook.NONE);
                for (int i = 0; i < n; i++) {
                    out.add(imgs.get(i).toFloatArray());
                }
            }
        }
        return out;
    }

    static long doneSteps(Path ckpt) {
        if (!Checkpoint.exists(ckpt)) {
            return 0;
        }
        try {
            JsonNode st = Json.MAPPER.readTree(ckpt.resolve(Checkpoint.STATE).toFile());
            return st.path("iteration").asLong(0);
        } catch (java.io.IOException e) {
            throw new DiffudaException(ckpt.resolve(Checkpoint.STATE) + ": unreadable: " + e.getMessage(), e);
        }
    }
}
