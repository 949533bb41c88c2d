package org.diffuda.methods.datum;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.diffuda.data.Classes;
import org.diffuda.data.Png;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Progress;
import org.diffuda.util.RunLock;

/**
 * DATUM stage 2: a synthetic, unlabelled target set from the personalised model. Image i gets
 * the prompt of class i mod |classes| and its own generator (seed, i); images are denoised in fixed
 * batches; images are written atomically as {@code OUT/images/NNNNN.png}
 * (a folder dataset every segmenter command reads), finished ones are skipped on a rerun, and
 * {@code OUT/manifest.jsonl} lists prompt, seed, steps and guidance per image.
 */
public final class DatumGeneration {
    /** The manifest line of one image; its noise is generator ("datum image", index) of the run seed. */
    public record Item(String file, String prompt, long seed, int index, int steps, double guidance) {}

    private DatumGeneration() {}

    /** The prompt of every image: class-cycled "a photo of a sks car", or the scene prompt alone. */
    public static List<String> prompts(GenerationConfig g, String token, String scenePrompt) {
        List<String> names = switch (g.classes()) {
            case "things" -> Classes.THINGS.stream().map(c -> Classes.NAMES[c]).toList();
            case "things+stuff" -> List.of(Classes.NAMES);
            case "scene" -> List.of();
            default -> throw new DiffudaException("--classes '" + g.classes() + "': expected things, things+stuff or scene");
        };
        List<String> out = new ArrayList<>();
        for (int i = 0; i < g.count(); i++) {
            out.add(names.isEmpty() ? scenePrompt
                    : g.template().replace("{token}", token).replace("{cls}", names.get(i % names.size())).replaceAll(" +", " ").strip());
        }
        return out;
    }

    public static String file(int i) {
        return String.format(Locale.ROOT, "%05d.png", i);
    }

    /** Generates every image not yet in {@code out}; returns the number generated in this call. */
    public static int generate(Path model, String variant, List<String> prompts, GenerationConfig g, Path out, long seed) {
        if (!g.template().contains("{cls}") && !g.classes().equals("scene")) {
            throw new DiffudaException("--template '" + g.template() + "': needs {cls}");
        }
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = Engines.engine().newBaseManager()) {
            Path images = out.resolve("images");
            Files.createDirectories(images);
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("model", model.toAbsolutePath().toString());
            cfg.put("generation", g);
            cfg.put("seed", seed);
            org.diffuda.training.Checkpoint.guard(out, "generation.json", cfg, "images");
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                items.add(new Item("images/" + file(i), prompts.get(i), seed, i, g.steps(),
                        g.guidance()));
            }
            java.util.Set<String> finished = AtomicFiles.completeFiles(images, ".png");
            int todo = 0;
            for (int i = 0; i < prompts.size(); i++) {
                if (!finished.contains(file(i))) {
                    todo++;
                }
            }
            int made = 0;
            PipelineFolder.StableDiffusion p = todo == 0 ? null : PipelineFolder.load(model, m, variant);
            try (Progress progress = new Progress("generate", prompts.size(), prompts.size() - todo)) {
                for (int first = 0; first < prompts.size() && todo > 0; first += g.batch()) {
                    int n = Math.min(g.batch(), prompts.size() - first);
                    List<Integer> missing = new ArrayList<>();
                    for (int i = first; i < first + n; i++) {
                        if (!finished.contains(file(i))) {
                            missing.add(i);
                        }
                    }
                    if (missing.isEmpty()) {
                        continue;
                    }
                    // the whole fixed batch is denoised again, so a resumed run writes the bytes an uninterrupted one would
                    List<String> batch = new ArrayList<>();
                    List<Generator> gens = new ArrayList<>();
                    for (int i = first; i < first + n; i++) {
                        batch.add(prompts.get(i));
                        gens.add(Generator.of(seed, "datum image", i));
                    }
                    try (NDManager sub = m.newSubManager()) {
                        NDArray imgs = TextToImage.generate(p, batch, null, DiffusionSampler.Options.of(g.steps())
                                .withGuidance(g.guidance()).withGenerator(Generator.perItem(gens)), sub, SamplingHook.NONE);
                        int h = (int) imgs.getShape().get(2), w = (int) imgs.getShape().get(3);
                        for (int i : missing) {
                            Png.write(Png.fromChw(imgs.get(i - first).toFloatArray(), h, w), images.resolve(file(i)));
                            progress.step("");
                            made++;
                        }
                    }
                }
            }
            AtomicFiles.writeJsonLines(out.resolve("manifest.jsonl"), items);
            return made;
        } catch (java.io.IOException e) {
            throw new DiffudaException(out + ": " + AtomicFiles.ioReason(e), e);
        }
    }
}
