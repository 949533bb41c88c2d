package org.diffuda.uda;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Batch;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Loader;
import org.diffuda.data.Sample;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.SegTrainer;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Checkpoint;
import org.diffuda.training.Trainer;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.diffuda.util.RunLock;

/**
 * The UDA self-training engine (DAFormer's iteration), over any {@link Segmenter}:
 * <ol>
 *   <li>the EMA teacher moves toward the student (α_t = min(1 − 1/(t + 1), α));</li>
 *   <li>supervised cross-entropy on a source batch (drawn by Rare Class Sampling when on);</li>
 *   <li>pseudo-labels of the teacher on the clean target batch, one confidence weight per batch;</li>
 *   <li>ClassMix of source onto target, strong colour jitter and blur on the mixed images;</li>
 *   <li>weighted cross-entropy of the student on the mixed batch; one AdamW step for both losses.</li>
 * </ol>
 * The student is what is evaluated and saved; the last iteration is reported (no checkpoint is
 * picked with target labels). Teacher and student are checkpointed, so a resumed run is exact.
 */
public final class SelfTraining {
    private final Segmenter student;
    private final Teacher teacher;
    private final UdaConfig cfg;
    private final long seed;
    private Segmenter initial; // frozen initial encoder for the feature distance, or null

    public SelfTraining(Segmenter student, Segmenter teacherModel, UdaConfig cfg, long seed) {
        this.student = student;
        this.teacher = new Teacher(teacherModel, cfg.alpha());
        this.cfg = cfg;
        this.seed = seed;
    }

    public Teacher teacher() {
        return teacher;
    }

    /** Turns the feature distance on against {@code frozenInitial} (a copy of the initial weights), when fd_lambda &gt; 0. */
    public SelfTraining withFeatureDistance(Segmenter frozenInitial) {
        this.initial = frozenInitial;
        org.diffuda.nn.ParamNames.of(frozenInitial).values().forEach(p -> p.getArray().setRequiresGradient(false));
        return this;
    }

    /**
     * One iteration's batch as the engine prepares it: the source crops and labels, the clean
     * target crops, the teacher's pseudo-labels, and the ClassMix result after strong augmentation.
     */
    public record UdaBatch(Batch source, NDArray xs, NDArray ys, NDArray xt, PseudoLabels pseudo, NDArray xm, NDArray ym,
                           NDArray wm) {}

    /**
     * What a method computes from the engine's batch (DAFormer: source CE + weighted mixed CE + FD;
     * CICLD adds its diffusion and adversarial losses). It backpropagates through the iteration,
     * may own more modules and parameter groups, decides where pseudo-labels come from and which
     * model is evaluated and saved.
     */
    public interface Objective {
        /** The trainer's name and the metrics' "method". */
        String name();

        /** Adds the objective's own modules and parameter groups to the trainer (after the student's "model" group). */
        default void register(Trainer trainer) {}

        /** Softmax probabilities on the clean target batch, for pseudo-labels (default: the EMA teacher's). */
        default NDArray probabilities(Teacher teacher, NDArray xt) {
            return teacher.probabilities(xt);
        }

        /** One iteration's losses; backward (and any own group's update) through {@code it}. */
        Map<String, Double> losses(Trainer.Iteration it, UdaBatch b);

        /** The model evaluated and saved after training (default: the student). */
        default Segmenter inference(Segmenter student, Teacher teacher) {
            return student;
        }

        /** Settings that join the run's configuration (a resume with others is refused). */
        default Map<String, Object> config() {
            return Map.of();
        }

        /** What the method adds to metrics.json from the finished training. */
        default Map<String, Object> summary(Trainer.Result training) {
            return Map.of();
        }
    }

    /** Builds a method's objective over the engine's models. */
    public interface ObjectiveFactory {
        Objective create(Segmenter student, Teacher teacher, UdaConfig cfg, long seed);
    }

    /** DAFormer's loss: CE(source) (+ λ_FD·FD on thing cells) + confidence-weighted CE(mixed), two backward passes. */
    public final class Daformer implements Objective {
        @Override
        public String name() {
            return "daformer";
        }

        @Override
        public Map<String, Double> losses(Trainer.Iteration it, UdaBatch b) {
            NDArray xs = b.xs(), ys = b.ys();
            double[] fd = {0};
            double lossSource = it.backward(() -> {
                if (initial == null || cfg.fdLambda() <= 0) {
                    return Losses.crossEntropy(student.logits(xs, true), ys, null);
                }
                Segmenter.Output o = student.run(xs, true);
                NDArray ce = Losses.crossEntropy(org.diffuda.nn.Ops.resize(o.logits(), xs.getShape().get(2), xs.getShape().get(3),
                        org.diffuda.nn.Ops.BILINEAR), ys, null);
                List<NDArray> frozen = initial.run(xs, false).features();
                NDArray d = FeatureDistance.of(o.features().get(o.features().size() - 1), frozen.get(frozen.size() - 1), ys);
                fd[0] = d.getFloat();
                return ce.add(org.diffuda.nn.Tensors.mul(d, cfg.fdLambda()));
            });
            double lossMixed = it.backward("dropout:mixed", () -> Losses.crossEntropy(student.logits(b.xm(), true), b.ym(), b.wm()));
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("loss_source", lossSource);
            out.put("loss_mixed", lossMixed);
            out.put("confident", b.pseudo().confident());
            if (initial != null && cfg.fdLambda() > 0) {
                out.put("feature_distance", fd[0]);
            }
            return out;
        }
    }

    /** Trains with DAFormer's objective; checkpoints into {@code ckptDir} and resumes from it. */
    public Trainer.Result train(List<Dataset> source, List<Dataset> target, Path ckptDir, Object runConfig, BadInput bad,
                                long stopAfter) {
        return train(new Daformer(), source, target, ckptDir, runConfig, bad, stopAfter);
    }

    /** Trains with {@code objective}; checkpoints into {@code ckptDir} and resumes from it. */
    public Trainer.Result train(Objective objective, List<Dataset> source, List<Dataset> target, Path ckptDir, Object runConfig,
                                BadInput bad, long stopAfter) {
        SegTrainer seg = new SegTrainer(student, cfg.train(), seed);
        Trainer trainer = new Trainer(objective.name(), cfg.train().iterations(), seed)
                .module("", student, null)
                .module("teacher", teacher.model(), null)
                .group("model", seg.optimizer(), seg.schedule())
                .checkpoint(ckptDir, runConfig, cfg.train().checkpointEvery())
                .stopAfter(stopAfter);
        objective.register(trainer);
        return trainer.run(new Step(objective, source, target, bad));
    }

    private final class Step implements Trainer.Step {
        private final Objective objective;
        private final List<Dataset> source;
        private final List<Dataset> target;
        private final BadInput bad;
        private Loader src;
        private Loader tgt;

        Step(Objective objective, List<Dataset> source, List<Dataset> target, BadInput bad) {
            this.objective = objective;
            this.source = source;
            this.target = target;
            this.bad = bad;
        }

        @Override
        public void start(long iteration) {
            Loader.Sampler sampler = cfg.rcsTemperature() > 0 && source.size() == 1
                    ? ClassStats.of(source.get(0)).sampler(cfg.rcsTemperature(), cfg.rcsMinPixels())
                    : Loader.epochSampler(source, seed);
            int b = cfg.train().batchSize();
            src = new Loader(source, sampler, b, SegTrainer.pipeline(cfg.train()), seed, iteration, 1, 4, bad);
            tgt = new Loader(target, Loader.epochSampler(target, seed + 1), b, SegTrainer.pipeline(cfg.train()), seed + 1,
                    iteration, 1, 4, bad);
        }

        @Override
        public Map<String, Double> run(Trainer.Iteration it) {
            NDManager m = it.manager();
            teacher.update(student, it.index());
            Batch sb = src.next(), tb = tgt.next();
            NDArray xs = sb.images(m), ys = sb.labels(m), xt = tb.images(m);
            PseudoLabels pl = PseudoLabels.of(objective.probabilities(teacher, xt), cfg.pseudoThreshold(), cfg.ignoreTop(),
                    cfg.ignoreBottom());
            java.util.Random rnd = it.generator("classmix").random();
            ClassMix.Mixed mixed;
            if (cfg.classMix()) {
                List<int[]> labels = new ArrayList<>();
                for (Sample s : sb.samples()) {
                    labels.add(s.label());
                }
                mixed = ClassMix.mix(xs, ys, xt, pl, ClassMix.masks(labels, rnd));
            } else {
                mixed = ClassMix.none(xt, pl);
            }
            NDArray xm = StrongAugment.apply(mixed.images(), cfg.colorJitter(), cfg.blur(), it.generator("strong augment").random());
            return objective.losses(it, new UdaBatch(sb, xs, ys, xt, pl, xm, mixed.labels(), mixed.weights()));
        }

        @Override
        public void close() {
            if (src != null) {
                src.close();
            }
            if (tgt != null) {
                tgt.close();
            }
        }
    }

    /** One DAFormer run end to end: datasets, student and teacher, training, evaluation, metrics.json. */
    public record Spec(List<String> source, List<String> target, String val, Path out, SegModelConfig model, UdaConfig cfg,
                       long seed, Evaluator.Options eval, boolean resume, BadInput bad, ObjectiveFactory objective) {
        public Spec(List<String> source, List<String> target, String val, Path out, SegModelConfig model, UdaConfig cfg, long seed,
                    Evaluator.Options eval, boolean resume, BadInput bad) {
            this(source, target, val, out, model, cfg, seed, eval, resume, bad, null);
        }
    }

    public record Outcome(Trainer.Result training, EvalResult eval, double seconds) {}

    public static Outcome run(Spec s) {
        try (RunLock lock = RunLock.acquire(s.out(), "--out")) {
            Path ckpt = s.out().resolve("checkpoint");
            Checkpoint.resumePolicy(ckpt, s.resume(), s.out());
            List<Dataset> src = new ArrayList<>(), tgt = new ArrayList<>();
            for (String d : s.source()) {
                src.add(Datasets.openLabelled("--source", d, s.bad()));
            }
            for (String d : s.target()) {
                tgt.add(Datasets.open(d, s.bad()));
            }
            Dataset val = s.val() == null ? null : Datasets.open(s.val(), s.bad());
            long t0 = System.nanoTime();
            try (NDManager manager = Engines.engine().newBaseManager()) {
                Segmenter student = Generator.of(s.seed(), "init:segmenter").seeded(() -> SegModels.create(s.model(), manager));
                Segmenter teacherModel = Generator.of(s.seed(), "init:segmenter").seeded(() -> SegModels.create(s.model(), manager));
                SelfTraining st = new SelfTraining(student, teacherModel, s.cfg(), s.seed());
                if (s.cfg().fdLambda() > 0) {
                    st.withFeatureDistance(Generator.of(s.seed(), "init:segmenter").seeded(() -> SegModels.create(s.model(), manager)));
                }
                Objective objective = s.objective() == null ? st.new Daformer() : s.objective().create(student, st.teacher(), s.cfg(), s.seed());
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("model", s.model());
                config.put("uda", s.cfg());
                if (!objective.config().isEmpty()) {
                    config.put(objective.name(), objective.config());
                }
                config.put("seed", s.seed());
                config.put("source", Datasets.describe(src));
                config.put("target", Datasets.describe(tgt));
                Trainer.Result res = st.train(objective, src, tgt, ckpt, config, s.bad(), 0);
                Segmenter inference = objective.inference(student, st.teacher());
                Checkpoint.save(s.out().resolve("model"), config, inference == student ? student : st.teacher().model(), null, null);
                EvalResult ev = val == null ? null : Evaluator.evaluate(inference, val, s.eval(), s.bad(), p -> {});
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("method", objective.name());
                metrics.put("source", s.source());
                metrics.put("target", s.target());
                metrics.put("val", s.val());
                metrics.put("seed", s.seed());
                metrics.put("seconds", secs);
                metrics.put("iterations", s.cfg().train().iterations());
                metrics.put("eval", ev);
                metrics.putAll(objective.summary(res));
                metrics.put("results", List.of(org.diffuda.report.Results.row(objective.name(), objective.name().equals("daformer")
                        ? "DAFormer" : objective.name().toUpperCase(java.util.Locale.ROOT), org.diffuda.report.Results.ALL_TARGET_IMAGES, s.val(),
                        List.of(s.seed()), java.util.Collections.singletonList(ev), secs, s.cfg().train().iterations())));
                metrics.put("history", res.history());
                Files.createDirectories(s.out());
                Json.writeFile(s.out().resolve("metrics.json"), metrics);
                return new Outcome(res, ev, secs);
            } catch (java.io.IOException e) {
                throw new DiffudaException(s.out() + ": " + e.getMessage(), e);
            }
        }
    }
}
