package org.diffuda.segmentation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.segmentation.models.SegModelConfig;

/**
 * The two reference points every adaptation method is measured against on the embedded
 * benchmark: source-only (train on sim/train) and oracle (train on real/train labels), both
 * evaluated on real/val with the same segmenter, recipe and seed.
 */
public final class Baselines {
    public record Result(Path data, double benchmarkSeconds, SegRun.Outcome sourceOnly, SegRun.Outcome oracle) {
        public double gap() {
            return oracle.eval().miou19() - sourceOnly.eval().miou19();
        }

        /** What the demo keeps in results.json. */
        public java.util.Map<String, Object> summary(double wallSeconds) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("source_only", sourceOnly.eval());
            m.put("oracle", oracle.eval());
            m.put("gap_miou19", gap());
            m.put("benchmark_seconds", benchmarkSeconds);
            m.put("source_only_seconds", sourceOnly.seconds());
            m.put("oracle_seconds", oracle.seconds());
            m.put("wall_seconds", wallSeconds);
            return m;
        }
    }

    private Baselines() {}

    /** Makes the benchmark under {@code data} unless it is already there. Returns seconds spent. */
    public static double ensureBenchmark(Path data, BenchmarkConfig cfg) {
        if (Files.isRegularFile(data.resolve(Benchmark.MANIFEST))) {
            return 0;
        }
        long t0 = System.nanoTime();
        Benchmark.make(data, cfg);
        return (System.nanoTime() - t0) / 1e9;
    }

    public static Result run(Path data, BenchmarkConfig benchCfg, Path out, SegModelConfig model, TrainConfig train,
                             long seed, Evaluator.Options eval, boolean resume, BadInput bad, int keepSamples) {
        double benchSecs = ensureBenchmark(data, benchCfg);
        String val = data.resolve("real/val").toString();
        SegRun.Outcome src = SegRun.run(new SegRun.Spec("source-only", List.of(data.resolve("sim/train").toString()), val,
                out.resolve("source-only"), model, train, seed, eval, resume, bad), keepSamples);
        SegRun.Outcome orc = SegRun.run(new SegRun.Spec("oracle", List.of(data.resolve("real/train").toString()), val,
                out.resolve("oracle"), model, train, seed, eval, resume, bad), keepSamples);
        return new Result(data, benchSecs, src, orc);
    }
}
