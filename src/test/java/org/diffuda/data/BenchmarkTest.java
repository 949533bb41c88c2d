package org.diffuda.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.data.bench.LayoutGenerator;
import org.diffuda.data.bench.Scene;
import org.diffuda.data.bench.Styles;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkTest {
    @Test
    void makeWritesEverySplitInTheFolderLayout(@TempDir Path tmp) throws Exception {
        Progress.setQuiet(true);
        BenchmarkConfig c = BenchmarkConfig.tiny();
        Benchmark.make(tmp.resolve("b"), c);
        for (String split : List.of("sim/train", "real/train", "real/val", "real-night/train", "real-fog/val",
                "real-rain/train", "real-snow/val")) {
            Dataset d = Datasets.open(tmp.resolve("b").resolve(split).toString(), BadInput.strict());
            assertTrue(d.labelled() && d.size() > 0, split);
            Sample s = d.load(0);
            assertEquals(c.height(), s.height());
            assertEquals(c.width(), s.width());
        }
        List<String> meta = Files.readAllLines(tmp.resolve("b/prior/metadata.jsonl"));
        assertEquals(c.priorScenes() + c.priorObjects(), meta.size());
        assertTrue(meta.stream().anyMatch(l -> l.contains("\"text\":\"a photo of a car\"")), meta.toString());
        assertTrue(meta.stream().noneMatch(l -> l.contains("\"style\":\"real\"") || l.contains("\"style\":\"sim\"")),
                "the prior never sees the target look");
        assertTrue(Files.exists(tmp.resolve("b/overview.png")) && Files.exists(tmp.resolve("b/benchmark.json")));
        // the corpus' scenes with their layouts and captions: a labelled folder dataset the seg ControlNet learns from
        Dataset layouts = Datasets.open(tmp.resolve("b").resolve(Benchmark.PRIOR_LAYOUTS).toString(), BadInput.strict());
        assertEquals(c.priorScenes(), layouts.size());
        assertTrue(layouts.labelled());
        java.util.Map<String, String> caps = org.diffuda.diffusion.prior.CaptionedImages.captions(tmp.resolve("b").resolve(Benchmark.PRIOR_LAYOUTS));
        assertEquals(c.priorScenes(), caps.size());
        assertEquals(meta.get(1).replaceAll(".*\"text\":\"([^\"]*)\".*", "$1"), caps.get("scene_00001"), "the corpus' own caption");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("b/prior/images/scene_00001.png")),
                Files.readAllBytes(tmp.resolve("b").resolve(Benchmark.PRIOR_LAYOUTS).resolve("images/scene_00001.png")));
        // deterministic: a second make with the same seed writes the same bytes
        Benchmark.make(tmp.resolve("c"), c);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("b/real/val/images/00000.png")),
                Files.readAllBytes(tmp.resolve("c/real/val/images/00000.png")));
    }

    @Test
    void layoutsHoldEveryClassWithALongTail() {
        long[] counts = new long[Classes.NUM];
        LayoutGenerator g = new LayoutGenerator(64, 128, LayoutGenerator.Stats.target());
        Random r = new Random(1);
        for (int i = 0; i < 300; i++) {
            for (int c : g.generate(r).label) {
                counts[c]++;
            }
        }
        for (int c = 0; c < Classes.NUM; c++) {
            assertTrue(counts[c] > 0, Classes.NAMES[c] + " never drawn");
        }
        assertTrue(counts[Classes.ROAD] > 20 * counts[Classes.PERSON], "road is far more common than person");
        assertTrue(counts[Classes.CAR] > counts[Classes.TRAIN] && counts[Classes.CAR] > counts[Classes.MOTORCYCLE]);
    }

    @Test
    void stylesDifferAndAreTextured() {
        Scene s = new LayoutGenerator(32, 64, LayoutGenerator.Stats.source()).generate(new Random(2));
        float[] sim = Styles.render(s, "sim", new Random(3));
        float[] real = Styles.render(s, "real", new Random(3));
        double diff = 0;
        for (int i = 0; i < sim.length; i++) {
            diff += Math.abs(sim[i] - real[i]);
        }
        assertTrue(diff / sim.length > 0.1, "sim and real look different: " + diff / sim.length);
        // texture: pixels of one class are not all one colour in any style
        for (String st : Styles.BENCHMARK) {
            float[] img = Styles.render(s, st, new Random(4));
            Set<Integer> colours = new HashSet<>();
            for (int i = 0; i < s.label.length; i++) {
                if (s.label[i] == Classes.ROAD) {
                    colours.add(Math.round(img[i] * 255) * 65536 + Math.round(img[s.label.length + i] * 255) * 256);
                }
            }
            assertTrue(colours.size() > 3, st + " road has " + colours.size() + " colours");
        }
        assertNotEquals(Styles.render(s, "night", new Random(5))[0], Styles.render(s, "fog", new Random(5))[0]);
    }
}
