package org.diffuda.data.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.diffuda.data.Classes;
import org.diffuda.data.Png;
import org.diffuda.data.Transforms;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.Rng;

/**
 * The captioned corpus the embedded text-to-image prior learns from: scenes from a separate seed
 * stream in generic styles (never sim or real) captioned with style and content, and
 * object-centred crops "a photo of a car" for every thing class. Written as {@code images/} +
 * {@code metadata.jsonl} ({"file_name", "text", "style", "object"}).
 */
public final class PriorCorpus {
    static final Map<String, String> STYLE_PHRASES = Map.of(
            "sunny", "on a sunny day", "cartoon", "as a cartoon", "sketch", "as a pencil sketch",
            "sepia", "in an old sepia photo", "night", "at night", "fog", "in fog", "rain", "in the rain",
            "snow", "in snow");
    static final String[] NUMBERS = {"no", "one", "two", "three", "four", "five", "many"};

    private PriorCorpus() {}

    public static void write(Path dir, BenchmarkConfig cfg, Progress p) throws IOException {
        write(dir, null, cfg, p);
    }

    /**
     * The corpus in {@code dir}; with {@code layouts} also its scenes as a labelled, captioned folder
     * dataset ({@code images/}, {@code labels/} in train ids, {@code metadata.jsonl}): the embedded
     * stand-in for the generic captioned seg data (ADE20K) a published seg ControlNet learns from —
     * the corpus' styles and words, never the benchmark's sim or real look.
     */
    public static void write(Path dir, Path layouts, BenchmarkConfig cfg, Progress p) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        if (layouts != null) {
            Files.createDirectories(layouts.resolve("images"));
            Files.createDirectories(layouts.resolve("labels"));
        }
        String[] lines = new String[cfg.priorScenes() + cfg.priorObjects()];
        LayoutGenerator.Stats mixed = new LayoutGenerator.Stats(2.5, 1.6, 0.6, 0.5, 0.4, 0.1, 2.2, 2.6);
        IntStream.range(0, cfg.priorScenes()).parallel().forEach(i -> {
            Random r = Rng.random(cfg.seed(), 0x9210L, i);
            Scene scene = new LayoutGenerator(cfg.height(), cfg.width(), mixed).generate(r);
            String style = Styles.PRIOR.get(i % Styles.PRIOR.size());
            float[] img = Styles.renderPrior(scene, style, r);
            String file = String.format("scene_%05d.png", i);
            Png.writeDirect(Png.fromChw(img, cfg.height(), cfg.width()), dir.resolve("images").resolve(file));
            lines[i] = line(file, caption(style, scene, r), style, null);
            if (layouts != null) {
                try {
                    Files.copy(dir.resolve("images").resolve(file), layouts.resolve("images").resolve(file));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                Png.writeDirect(Png.labelImage(scene.label, cfg.height(), cfg.width()), layouts.resolve("labels").resolve(file));
            }
            p.step();
        });
        List<Integer> things = Classes.THINGS;
        IntStream.range(0, cfg.priorObjects()).parallel().forEach(i -> {
            int cls = things.get(i % things.size());
            Random r = Rng.random(cfg.seed(), 0x9211L, i);
            String style = r.nextDouble() < 0.6 ? "sunny" : Styles.PRIOR.get(r.nextInt(Styles.PRIOR.size()));
            float[] crop = objectCrop(cls, style, cfg.height(), cfg.width(), r);
            String file = String.format("object_%05d.png", i);
            Png.writeDirect(Png.fromChw(crop, cfg.height(), cfg.width()), dir.resolve("images").resolve(file));
            lines[cfg.priorScenes() + i] = line(file, "a photo of a " + Classes.NAMES[cls], style, Classes.NAMES[cls]);
            p.step();
        });
        Files.writeString(dir.resolve("metadata.jsonl"), String.join("\n", lines) + "\n");
        if (layouts != null) {
            Files.writeString(layouts.resolve("metadata.jsonl"), String.join("\n", java.util.Arrays.copyOf(lines, cfg.priorScenes())) + "\n");
        }
    }

    private static String line(String file, String text, String style, String object) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file_name", "images/" + file);
        m.put("text", text);
        m.put("style", style);
        m.put("object", object);
        return Json.compact(m);
    }

    /** "driving at night", "a street in snow", "an urban scene with a bus and two cars ...". */
    static String caption(String style, Scene scene, Random r) {
        String phrase = STYLE_PHRASES.get(style);
        List<String> parts = new ArrayList<>();
        int[] show = {Classes.CAR, Classes.BUS, Classes.TRUCK, Classes.PERSON, Classes.TRAIN};
        for (int c : show) {
            int k = scene.instances[c];
            if (k > 0) {
                String name = Classes.NAMES[c];
                parts.add(k == 1 ? (c == Classes.TRUCK ? "a truck" : "a " + name) : NUMBERS[Math.min(k, 6)] + " " + plural(name));
            }
        }
        String content = parts.isEmpty() ? "" : " with " + String.join(" and ", parts);
        return switch (r.nextInt(3)) {
            case 0 -> "driving " + phrase;
            case 1 -> "a street " + phrase + content;
            default -> "an urban scene " + phrase + content;
        };
    }

    private static String plural(String n) {
        return n.equals("bus") ? "buses" : n.equals("person") ? "persons" : n + "s";
    }

    /** Renders a scene holding the class and crops the largest instance with context, 2:1. */
    static float[] objectCrop(int cls, String style, int h, int w, Random r) {
        LayoutGenerator.Stats rich = new LayoutGenerator.Stats(3, 3, 2.5, 2, 2, 1.0, 2, 5);
        for (int attempt = 0; ; attempt++) {
            Scene scene = new LayoutGenerator(h * 2, w * 2, rich).generate(r);
            int[] box = largestInstanceBox(scene, cls);
            if (box == null && attempt < 50) {
                continue;
            }
            float[] img = Styles.renderPrior(scene, style, r);
            if (box == null) {
                return Transforms.bilinear(img, h * 2, w * 2, h, w);
            }
            int bh = Math.max(box[3] - box[1], (box[2] - box[0]) / 2) + 4;
            int ch = Math.min(h * 2, Math.max(8, (int) (bh * 1.4))), cw = Math.min(w * 2, ch * 2);
            int cy = Math.max(0, Math.min(h * 2 - ch, (box[1] + box[3]) / 2 - ch / 2));
            int cx = Math.max(0, Math.min(w * 2 - cw, (box[0] + box[2]) / 2 - cw / 2));
            float[] cropped = new float[3 * ch * cw];
            int sn = h * 2 * w * 2;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < ch; y++) {
                    for (int x = 0; x < cw; x++) {
                        cropped[c * ch * cw + y * cw + x] = img[c * sn + (cy + y) * (w * 2) + cx + x];
                    }
                }
            }
            return Transforms.bilinear(cropped, ch, cw, h, w);
        }
    }

    private static int[] largestInstanceBox(Scene s, int cls) {
        Map<Integer, int[]> boxes = new LinkedHashMap<>();
        Map<Integer, Integer> area = new LinkedHashMap<>();
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                int i = y * s.width + x;
                if (s.label[i] != cls) {
                    continue;
                }
                int inst = s.instance[i];
                final int fx = x, fy = y;
                int[] b = boxes.computeIfAbsent(inst, k -> new int[] {fx, fy, fx + 1, fy + 1});
                b[0] = Math.min(b[0], x);
                b[1] = Math.min(b[1], y);
                b[2] = Math.max(b[2], x + 1);
                b[3] = Math.max(b[3], y + 1);
                area.merge(inst, 1, Integer::sum);
            }
        }
        return area.entrySet().stream().filter(e -> e.getValue() >= 6).max(Map.Entry.comparingByValue())
                .map(e -> boxes.get(e.getKey())).orElse(null);
    }
}
