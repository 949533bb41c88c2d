package org.diffuda.segmentation;

import org.diffuda.training.Trainer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTest {
    @TempDir
    static Path bench;

    static final SegModelConfig TINY = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);

    static TrainConfig tinyTrain(int iters) {
        return new TrainConfig(iters, 2, 32, 64, 0.75, 1.25, "adamw", 1e-3, 0.01, 0, 2, 1.0, 10, 1.0, true, 0.75, 2);
    }

    @BeforeAll
    static void makeBenchmark() {
        Progress.setQuiet(true);
        Benchmark.make(bench.resolve("b"), BenchmarkConfig.tiny());
    }

    static Map<String, Safetensors.Tensor> train(Path out, int iters, long stopAfter, long seed) {
        Dataset d = Datasets.open(bench.resolve("b/sim/train").toString(), BadInput.strict());
        Engines.seed(seed);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter s = SegModels.create(TINY, m);
            new SegTrainer(s, tinyTrain(iters), seed).train(List.of(d), out, SegTrainer.config(TINY, tinyTrain(iters), seed),
                    BadInput.strict(), stopAfter);
            return StateDict.of(s);
        }
    }

    @Test
    void resumedRunEndsAtTheSameWeights(@TempDir Path tmp) {
        Map<String, Safetensors.Tensor> straight = train(tmp.resolve("a"), 5, 0, 3);
        Map<String, Safetensors.Tensor> killed = train(tmp.resolve("b"), 5, 3, 3);
        assertTrue(Checkpoint.exists(tmp.resolve("b")));
        Map<String, Safetensors.Tensor> resumed = train(tmp.resolve("b"), 5, 0, 3);
        int differ = 0;
        for (String k : straight.keySet()) {
            assertArrayEquals(straight.get(k).toFloats(), resumed.get(k).toFloats(), 1e-6f, k);
            if (!java.util.Arrays.equals(straight.get(k).toFloats(), killed.get(k).toFloats())) {
                differ++;
            }
        }
        assertTrue(differ > 0, "the stopped run must differ from the finished one, or the test proves nothing");
    }

    @Test
    void trainingLowersTheLoss(@TempDir Path tmp) {
        Dataset d = Datasets.open(bench.resolve("b/sim/train").toString(), BadInput.strict());
        Engines.seed(1);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter s = SegModels.create(TINY, m);
            TrainConfig c = new TrainConfig(30, 4, 32, 64, 1, 1, "adamw", 3e-3, 0.0, 0, 0, 1.0, 1, 0, false, 1.0, 100);
            var res = new SegTrainer(s, c, 1).train(List.of(d), null, null, BadInput.strict(), 0);
            double first = res.history().subList(0, 5).stream().mapToDouble(Trainer.Record::loss).average().orElseThrow();
            double last = res.history().subList(25, 30).stream().mapToDouble(Trainer.Record::loss).average().orElseThrow();
            assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
        }
    }

    @Test
    void checkpointRoundTripGivesIdenticalPredictions(@TempDir Path tmp) {
        Dataset val = Datasets.open(bench.resolve("b/real/val").toString(), BadInput.strict());
        Engines.seed(5);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter a = SegModels.create(TINY, m);
            Checkpoint.save(tmp.resolve("m"), Map.of("model", TINY), a, null, null);
            Segmenter b = SegModels.load(tmp.resolve("m"), m);
            var sa = StateDict.of(a);
            var sb = StateDict.of(b);
            assertEquals(sa.keySet(), sb.keySet());
            for (String k : sa.keySet()) {
                assertArrayEquals(sa.get(k).data(), sb.get(k).data(), k);
            }
            EvalResult ea = Evaluator.evaluate(a, val, Evaluator.Options.whole(), BadInput.strict(), null);
            EvalResult eb = Evaluator.evaluate(b, val, Evaluator.Options.whole(), BadInput.strict(), null);
            assertEquals(ea.miou19(), eb.miou19());
            assertArrayEquals(ea.confusion()[0], eb.confusion()[0]);
        }
    }

    @Test
    void mismatchedWeightsListTheKeys(@TempDir Path tmp) {
        Engines.seed(5);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter a = SegModels.create(TINY, m);
            Checkpoint.save(tmp.resolve("m"), Map.of("model", TINY), a, null, null);
            SegModelConfig wider = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 24, List.of(1, 2), 0);
            Segmenter b = SegModels.create(wider, m);
            var e = assertThrows(DiffudaException.class, () -> Checkpoint.loadWeights(tmp.resolve("m"), b));
            assertTrue(e.getMessage().contains("mis-shaped") && e.getMessage().contains("decode_head"), e.getMessage());
        }
    }

    @Test
    void slidingWindowCoversTheImage() {
        Dataset val = Datasets.open(bench.resolve("b/real/val").toString(), BadInput.strict());
        Engines.seed(5);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter a = SegModels.create(TINY, m);
            // a window as large as the image reproduces whole-image inference exactly
            EvalResult whole = Evaluator.evaluate(a, val, Evaluator.Options.whole(), BadInput.strict(), null);
            EvalResult same = Evaluator.evaluate(a, val, new Evaluator.Options("slide", 32, 64, 16, 32, 1), BadInput.strict(), null);
            assertEquals(whole.miou19(), same.miou19());
            EvalResult slide = Evaluator.evaluate(a, val, new Evaluator.Options("slide", 16, 32, 8, 16, 1), BadInput.strict(), null);
            long counted = 0;
            for (long[] row : slide.confusion()) {
                for (long v : row) {
                    counted += v;
                }
            }
            long labelled = 0;
            for (int i = 0; i < val.size(); i++) {
                labelled += java.util.Arrays.stream(val.load(i).label()).filter(v -> v != 255).count();
            }
            assertEquals(labelled, counted, "every labelled pixel gets a prediction");
        }
    }
}
