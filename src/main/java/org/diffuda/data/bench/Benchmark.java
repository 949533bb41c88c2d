package org.diffuda.data.bench;

import java.awt.image.BufferedImage;
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
import org.diffuda.data.Sample;
import org.diffuda.data.ImageGrid;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.Rng;

/**
 * Writes the embedded world to disk in the generic folder layout: {@code sim/train},
 * {@code real/{train,val}}, {@code real-<condition>/{train,val}}, the captioned {@code prior}
 * corpus (images + metadata.jsonl, the Hugging Face imagefolder convention), class statistics,
 * and an overview grid. The whole directory appears at once (written under a temporary name).
 */
public final class Benchmark {
    public static final String MANIFEST = "benchmark.json";
    /** The prior corpus' scenes with their layouts and captions (what the embedded seg ControlNet learns from). */
    public static final String PRIOR_LAYOUTS = "prior-layouts";

    private Benchmark() {}

    /** One split to write: name, style, layout statistics, count. */
    record Split(String dir, String style, LayoutGenerator.Stats stats, int count) {}

    public static Path make(Path out, BenchmarkConfig cfg) {
        List<Split> splits = new ArrayList<>();
        splits.add(new Split("sim/train", "sim", LayoutGenerator.Stats.source(), cfg.simTrain()));
        splits.add(new Split("real/train", "real", LayoutGenerator.Stats.target(), cfg.realTrain()));
        splits.add(new Split("real/val", "real", LayoutGenerator.Stats.target(), cfg.realVal()));
        for (String c : Styles.CONDITIONS) {
            splits.add(new Split("real-" + c + "/train", c, LayoutGenerator.Stats.target(), cfg.conditionTrain()));
            splits.add(new Split("real-" + c + "/val", c, LayoutGenerator.Stats.target(), cfg.conditionVal()));
        }
        long total = splits.stream().mapToLong(Split::count).sum() + cfg.priorScenes() + cfg.priorObjects();
        AtomicFiles.write(out, tmp -> {
            Files.createDirectories(tmp);
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("config", cfg);
            Map<String, long[]> stats = new LinkedHashMap<>();
            try (Progress p = new Progress("benchmark", total)) {
                for (Split s : splits) {
                    stats.put(s.dir(), writeSplit(tmp.resolve(s.dir()), s, cfg, p));
                }
                PriorCorpus.write(tmp.resolve("prior"), tmp.resolve(PRIOR_LAYOUTS), cfg, p);
            }
            manifest.put("class_pixels", stats);
            manifest.put("classes", Classes.NAMES);
            Files.writeString(tmp.resolve(MANIFEST), Json.write(manifest));
            Png.writeDirect(overview(cfg), tmp.resolve("overview.png"));
        });
        return out;
    }

    private static long[] writeSplit(Path dir, Split s, BenchmarkConfig cfg, Progress p) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("labels"));
        LayoutGenerator gen = new LayoutGenerator(cfg.height(), cfg.width(), s.stats());
        long[][] perImage = new long[s.count()][];
        IntStream.range(0, s.count()).parallel().forEach(i -> {
            Random r = Rng.random(cfg.seed(), Rng.stringTag(s.dir()), i);
            Scene scene = gen.generate(r);
            float[] img = Styles.render(scene, s.style(), r);
            String name = String.format("%05d.png", i);
            Png.writeDirect(Png.fromChw(img, cfg.height(), cfg.width()), dir.resolve("images").resolve(name));
            Png.writeDirect(Png.labelImage(scene.label, cfg.height(), cfg.width()), dir.resolve("labels").resolve(name));
            long[] counts = new long[Classes.NUM];
            for (int c : scene.label) {
                if (c < Classes.NUM) {
                    counts[c]++;
                }
            }
            perImage[i] = counts;
            p.step();
        });
        long[] total = new long[Classes.NUM];
        for (long[] c : perImage) {
            for (int k = 0; k < Classes.NUM; k++) {
                total[k] += c[k];
            }
        }
        return total;
    }

    /** One row per layout, one column per style: the same scene in every look. */
    public static BufferedImage overview(BenchmarkConfig cfg) {
        int rows = 3;
        List<String> cols = new ArrayList<>(List.of("label"));
        cols.addAll(Styles.BENCHMARK);
        List<BufferedImage> cells = new ArrayList<>();
        LayoutGenerator gen = new LayoutGenerator(cfg.height(), cfg.width(), LayoutGenerator.Stats.target());
        for (int row = 0; row < rows; row++) {
            Scene scene = gen.generate(Rng.random(cfg.seed(), 0x0E7L, row));
            cells.add(Png.colorize(scene.label, cfg.height(), cfg.width()));
            for (String st : Styles.BENCHMARK) {
                float[] img = Styles.render(scene, st, Rng.random(cfg.seed(), 0x0E8L, row, Rng.stringTag(st)));
                cells.add(Png.fromChw(img, cfg.height(), cfg.width()));
            }
        }
        return ImageGrid.grid(cells, cols.size(), cols, 2);
    }

    /** Renders one labelled sample of a style (used by tests and the prior corpus). */
    public static Sample sample(String style, LayoutGenerator.Stats stats, int h, int w, Random r) {
        Scene scene = new LayoutGenerator(h, w, stats).generate(r);
        return new Sample("gen", h, w, Styles.render(scene, style, r), scene.label);
    }
}
