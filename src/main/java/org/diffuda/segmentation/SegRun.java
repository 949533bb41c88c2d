package org.diffuda.segmentation;

import org.diffuda.training.Trainer;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.diffuda.util.RunLock;

/**
 * One supervised segmentation run: train on labelled datasets, save the model, evaluate on a
 * validation set. Leaves in {@code out}: checkpoint/ (resumable state), model/ (final weights +
 * config), metrics.json (loss history, evaluation, wall time) and sample predictions.
 */
public final class SegRun {
    public record Spec(String name, List<String> train, String val, Path out, SegModelConfig model, TrainConfig cfg,
                       long seed, Evaluator.Options eval, boolean resume, BadInput bad) {}

    public record Outcome(String name, Trainer.Result training, EvalResult eval, List<Evaluator.Prediction> samples,
                          double seconds) {}

    /**
     * A training step other than plain cross-entropy over the datasets (ZoDi's paired loss), on the
     * same trainer, optimiser, schedule, checkpoints and evaluation. {@link #config()} joins the
     * run's configuration, so a resume with other settings is refused.
     */
    public interface StepFactory {
        Trainer.Step step(Segmenter model, List<Dataset> data);

        Map<String, Object> config();
    }

    private SegRun() {}

    /** The evaluation of a finished run in {@code out} (its metrics.json), or null when there is none. */
    public static EvalResult finished(Path out) {
        Path f = out.resolve("metrics.json");
        if (!java.nio.file.Files.isRegularFile(f)) {
            return null;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode ev = org.diffuda.util.Json.MAPPER.readTree(f.toFile()).get("eval");
            return ev == null || ev.isNull() ? null : org.diffuda.util.Json.MAPPER.convertValue(ev, EvalResult.class);
        } catch (java.io.IOException e) {
            throw new org.diffuda.util.DiffudaException(f + ": unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * A run of a method's table that is done once: a finished run (metrics.json) is read, not
     * redone; a killed one resumes from its checkpoint; otherwise it starts. {@code s.resume()} is
     * ignored (the method's own guard has already refused another configuration).
     */
    public static EvalResult once(Spec s, StepFactory step) {
        if (java.nio.file.Files.isRegularFile(s.out().resolve("metrics.json"))) {
            return finished(s.out());
        }
        boolean resume = java.nio.file.Files.isDirectory(s.out().resolve("checkpoint"));
        Spec r = new Spec(s.name(), s.train(), s.val(), s.out(), s.model(), s.cfg(), s.seed(), s.eval(), resume, s.bad());
        return run(r, 0, step).eval();
    }

    public static Outcome run(Spec s, int keepSamples) {
        return run(s, keepSamples, null);
    }

    /** {@code step} null: supervised cross-entropy over every dataset's share of each batch. */
    public static Outcome run(Spec s, int keepSamples, StepFactory step) {
        try (RunLock lock = RunLock.acquire(s.out(), "--out")) {
            return locked(s, keepSamples, step);
        }
    }

    private static Outcome locked(Spec s, int keepSamples, StepFactory step) {
        Path ckpt = s.out().resolve("checkpoint");
        Checkpoint.resumePolicy(ckpt, s.resume(), s.out());
        List<Dataset> data = new ArrayList<>();
        for (String t : s.train()) {
            data.add(Datasets.openLabelled("--data", t, s.bad()));
        }
        Dataset val = s.val() == null ? null : Datasets.open(s.val(), s.bad());
        long t0 = System.nanoTime();
        try (NDManager manager = Engines.engine().newBaseManager()) {
            Segmenter model = Generator.of(s.seed(), "init:segmenter").seeded(() -> SegModels.create(s.model(), manager));
            SegTrainer trainer = new SegTrainer(model, s.cfg(), s.seed());
            Map<String, Object> config = SegTrainer.config(s.model(), s.cfg(), s.seed());
            config.put("data", Datasets.describe(data));
            Trainer.Result res;
            if (step == null) {
                res = trainer.train(data, ckpt, config, s.bad(), 0);
            } else {
                config.put("step", step.config());
                res = trainer.train(step.step(model, data), ckpt, config, 0);
            }
            Checkpoint.save(s.out().resolve("model"), config, model, null, null);
            EvalResult ev = null;
            List<Evaluator.Prediction> samples = new ArrayList<>();
            if (val != null) {
                ev = Evaluator.evaluate(model, val, s.eval(), s.bad(), p -> {
                    if (samples.size() < keepSamples) {
                        samples.add(p);
                    }
                });
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("name", s.name());
            metrics.put("train", s.train());
            metrics.put("val", s.val());
            metrics.put("seconds", secs);
            metrics.put("iterations", s.cfg().iterations());
            metrics.put("skipped_bad_inputs", s.bad().skipped());
            metrics.put("eval", ev);
            metrics.put("history", res.history());
            Files.createDirectories(s.out());
            Json.writeFile(s.out().resolve("metrics.json"), metrics);
            return new Outcome(s.name(), res, ev, samples, secs);
        } catch (java.io.IOException e) {
            throw new DiffudaException(s.out() + ": " + e.getMessage(), e);
        }
    }
}
