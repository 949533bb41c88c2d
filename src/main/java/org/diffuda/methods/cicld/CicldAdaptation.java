package org.diffuda.methods.cicld;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Datasets;
import org.diffuda.methods.Arms;
import org.diffuda.methods.datum.Datum;
import org.diffuda.report.Results;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.SegRun;
import org.diffuda.segmentation.models.Cicld;
import org.diffuda.segmentation.models.CicldModelConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.training.Checkpoint;
import org.diffuda.uda.SelfTraining;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;

/**
 * CICLD end to end (Yu et al.): the adversarial latent-diffusion segmenter trained on the UDA
 * engine ({@link CicldObjective}), against the benchmark's source-only and DAFormer rows at the
 * same iterations, with the paper's ablations (Tables 1–2): without mask conditioning, without
 * the inter-coder connection, the two-class adversarial game. Every CICLD row is evaluated twice:
 * conditioned on the teacher's prediction and unconditioned. Each (row, seed) is a run folder
 * {@code OUT/<row>-s<seed>} that resumes; finished ones are read, not redone.
 */
public final class CicldAdaptation {
    public static final Map<String, String> ARMS = new LinkedHashMap<>();

    static {
        ARMS.put("source-only", "source only (the benchmark's segmenter)");
        ARMS.put("daformer", "DAFormer (the UDA engine, same iterations)");
        ARMS.put("cicld", "CICLD (3-class L_adv, conditioning, inter-coder skip)");
        ARMS.put("no-condition", "CICLD w/o mask conditioning");
        ARMS.put("no-skip", "CICLD w/o inter-coder connection");
        ARMS.put("2-class", "CICLD with the 2-class adversarial loss");
    }

    public static final List<String> DEFAULT_ARMS = List.of("source-only", "daformer", "cicld");

    /**
     * Iterations of every row on the embedded benchmark (source-only and DAFormer too, so the rows
     * compare at the same iterations): CICLD's step is ≈ 5× DAFormer's on 2 cores, and 1000 keeps
     * the default table within 30 minutes.
     */
    public static final int EMBEDDED_ITERATIONS = 1000;

    /** Source (and as many target) crops per iteration of every row on the embedded benchmark (the papers use 2). */
    public static final int EMBEDDED_BATCH = 4;

    /** The embedded table's recipe: the engine's, at {@link #EMBEDDED_ITERATIONS} × {@link #EMBEDDED_BATCH} unless the user set them. */
    public static UdaConfig embedded(UdaConfig uda, boolean itersGiven, boolean batchGiven) {
        var t = uda.train();
        if (!itersGiven) {
            t = t.withIterations(EMBEDDED_ITERATIONS);
        }
        if (!batchGiven) {
            t = org.diffuda.util.Configs.with(t, "batchSize", EMBEDDED_BATCH);
        }
        return uda.with("train", t);
    }
    public static final List<String> ABLATION_ARMS = List.copyOf(ARMS.keySet());

    /**
     * @param baseline the segmenter of the source-only and DAFormer rows
     * @param model    CICLD's architecture
     */
    public record Spec(String source, String target, String val, Path out, SegModelConfig baseline, CicldModelConfig model,
                       UdaConfig uda, CicldConfig cicld, List<Long> seeds, List<Long> ablationSeeds, List<String> arms,
                       Evaluator.Options eval, boolean resume, BadInput bad) {
        /** The seeds of a row: the ablation rows may run on fewer. */
        public List<Long> seedsOf(String arm) {
            return DEFAULT_ARMS.contains(arm) || ablationSeeds == null ? seeds : ablationSeeds;
        }
    }

    private CicldAdaptation() {}

    /** Everything a table needs, checked before anything is written: the rows, the seeds, the three datasets. */
    public static void check(Spec s) {
        s.cicld().check();
        Arms.seeds(s.seeds(), s.ablationSeeds());
        Arms.check(s.arms(), ARMS.keySet());
        Datasets.openLabelled("--source", s.source(), s.bad());
        Datasets.open("--target", s.target(), s.bad());
        if (s.val() != null) {
            Datasets.open("--val", s.val(), s.bad());
        }
    }

    public static Map<String, Object> run(Spec s) {
        check(s);
        guard(s);
        long t0 = System.nanoTime();
        Map<String, Object> rows = new LinkedHashMap<>();
        for (String a : s.arms()) {
            List<EvalResult> evs = new ArrayList<>(), none = new ArrayList<>(), trained = new ArrayList<>();
            List<Object> adversarial = new ArrayList<>(), paths = new ArrayList<>();
            double secs = 0;
            for (long seed : s.seedsOf(a)) {
                System.out.println("CICLD table: " + ARMS.get(a) + ", seed " + seed);
                Path dir = s.out().resolve(a + "-s" + seed);
                evs.add(arm(s, a, dir, seed));
                Map<?, ?> m = Json.readFile(dir.resolve("metrics.json"), Map.class);
                secs += m.get("seconds") instanceof Number n ? n.doubleValue() : 0;
                if (isCicld(a)) {
                    none.add(unconditioned(s, dir, "model", "eval-none.json"));
                    trained.add(unconditioned(s, dir, "checkpoint", "eval-trained.json"));
                    adversarial.add(m.get("adversarial"));
                    paths.add(paths(s, dir));
                }
            }
            Map<String, Object> r = Datum.summary(evs);
            r.put("per_seed", evs);
            r.put("seeds", s.seedsOf(a));
            r.put("seconds_per_seed", secs / s.seedsOf(a).size());
            if (isCicld(a)) {
                Map<String, Object> n = Datum.summary(none);
                n.put("per_seed", none);
                r.put("test_condition_none", n);
                Map<String, Object> tr = Datum.summary(trained);
                tr.put("per_seed", trained);
                r.put("diagnostic_trained_model_unconditioned", tr);
                r.put("adversarial", adversarial);
                r.put("paths", paths);
            }
            rows.put(a, r);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "cicld");
        m.put("source", s.source());
        m.put("target", s.target());
        m.put("val", s.val());
        m.put("seeds", s.seeds());
        m.put("iterations", s.uda().train().iterations());
        m.put("test_condition", s.cicld().testCondition());
        m.put("selection", "last iteration; the EMA student is evaluated (no target labels select anything)");
        m.put("rows", rows);
        m.put("seconds", (System.nanoTime() - t0) / 1e9);
        m.put("results", results(s, rows));
        Json.writeFile(s.out().resolve("metrics.json"), m);
        CicldReport.write(s, m);
        return m;
    }

    static boolean isCicld(String arm) {
        return !arm.equals("source-only") && !arm.equals("daformer");
    }

    /** The CICLD architecture and objective of a row. */
    static CicldModelConfig model(Spec s, String arm) {
        return switch (arm) {
            case "no-condition" -> s.model().with("condition", false);
            case "no-skip" -> s.model().with("skip", false);
            default -> s.model();
        };
    }

    static CicldConfig objective(Spec s, String arm) {
        return arm.equals("2-class") ? s.cicld().with("adversarial", "2-class") : s.cicld();
    }

    static EvalResult arm(Spec s, String arm, Path dir, long seed) {
        if (Files.isRegularFile(dir.resolve("metrics.json"))) {
            return SegRun.finished(dir);
        }
        boolean resume = Files.isDirectory(dir.resolve("checkpoint"));
        if (arm.equals("source-only")) {
            return SegRun.once(new SegRun.Spec("source-only", List.of(s.source()), s.val(), dir, s.baseline(), s.uda().train(), seed, s.eval(),
                    false, s.bad()), null);
        }
        if (arm.equals("daformer")) {
            return SelfTraining.run(new SelfTraining.Spec(List.of(s.source()), List.of(s.target()), s.val(), dir, s.baseline(), s.uda(), seed,
                    s.eval(), resume, s.bad())).eval();
        }
        return SelfTraining.run(new SelfTraining.Spec(List.of(s.source()), List.of(s.target()), s.val(), dir,
                SegModelConfig.cicld(model(s, arm)), s.uda(), seed, s.eval(), resume, s.bad(), CicldObjective.factory(objective(s, arm)))).eval();
    }

    /** {@link CicldPaths} of a finished CICLD row on the first 16 validation images ({@code paths.json}). */
    static Map<?, ?> paths(Spec s, Path dir) {
        return once(s, dir.resolve("paths.json"), Map.class, m -> CicldPaths.measure((Cicld) SegModels.load(dir.resolve("model"), m),
                (Cicld) SegModels.load(dir.resolve("checkpoint"), m), Datasets.open(s.val(), s.bad()), 16, 8));
    }

    /**
     * A finished CICLD row's model evaluated unconditioned ({@code file}): {@code sub} "model" is the EMA
     * student (the test condition "none"); "checkpoint" the trained model itself (a diagnostic of what the EMA adds).
     */
    static EvalResult unconditioned(Spec s, Path dir, String sub, String file) {
        return once(s, dir.resolve(file), EvalResult.class, m -> Evaluator.evaluate(new CicldInference((Cicld) SegModels.load(dir.resolve(sub), m), null),
                Datasets.open(s.val(), s.bad()), s.eval(), s.bad(), p -> {}));
    }

    /** A row's diagnostic, computed once on the validation set (null without one) and kept in {@code f}, so a gathering --resume reads it. */
    private static <T> T once(Spec s, Path f, Class<? extends T> type, java.util.function.Function<NDManager, ? extends T> compute) {
        if (Files.isRegularFile(f)) {
            return Json.readFile(f, type);
        }
        if (s.val() == null) {
            return null;
        }
        try (NDManager m = Engines.engine().newBaseManager()) {
            T v = compute.apply(m);
            Json.writeFile(f, v);
            return v;
        }
    }

    /**
     * The CICLD settings that differ from the defaults — the objective's and the model's (against the nearer of
     * the embedded and real-scale shapes) — as a row-name suffix (" [adv_weight 0.0]"), so a leaderboard never
     * pools the seeds of a variant with the default's; the test condition is named in the row already.
     */
    public static String variant(CicldConfig c, CicldModelConfig model) {
        List<String> diff = diff(c, CicldConfig.defaults(), "test_condition");
        List<String> small = diff(model, CicldModelConfig.small(), ""), real = diff(model, CicldModelConfig.real(), "");
        diff.addAll(small.size() <= real.size() ? small : real);
        return diff.isEmpty() ? "" : " [" + String.join(", ", diff) + "]";
    }

    private static List<String> diff(Object have, Object dflt, String skip) {
        Map<?, ?> h = Json.MAPPER.convertValue(have, Map.class), d = Json.MAPPER.convertValue(dflt, Map.class);
        List<String> out = new ArrayList<>();
        h.forEach((k, v) -> {
            if (!k.equals(skip) && !java.util.Objects.equals(v, d.get(k))) {
                out.add(k + " " + v);
            }
        });
        return out;
    }

    /** The rows in the leaderboard's shared schema. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> results(Spec s, Map<String, Object> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : rows.entrySet()) {
            Map<String, Object> r = (Map<String, Object>) e.getValue();
            String uses = e.getKey().equals("source-only") ? Results.NO_TARGET : Results.ALL_TARGET_IMAGES;
            String method = e.getKey().equals("source-only") ? "source-only" : e.getKey().equals("daformer") ? "daformer" : "cicld";
            String row = (e.getKey().equals("cicld") ? "CICLD (full; test condition " + s.cicld().testCondition() + ")" : ARMS.get(e.getKey()))
                    + (method.equals("cicld") ? variant(s.cicld(), s.model()) : "");
            out.add(Results.row(method, row, uses, s.val(), s.seedsOf(e.getKey()), (List<EvalResult>) r.get("per_seed"), (Double) r.get("seconds_per_seed"),
                    s.uda().train().iterations()));
            if (r.get("test_condition_none") instanceof Map<?, ?> n && e.getKey().equals("cicld")) {
                out.add(Results.row("cicld", "CICLD (full; test condition none)" + variant(s.cicld(), s.model()), uses, s.val(), s.seedsOf(e.getKey()), (List<EvalResult>) n.get("per_seed"),
                        (Double) r.get("seconds_per_seed"), s.uda().train().iterations()));
            }
        }
        return out;
    }

    /** An output folder holds one CICLD table: another is refused unless --resume, and --resume with other settings is refused. */
    static void guard(Spec s) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("source", s.source());
        cfg.put("target", s.target());
        cfg.put("val", s.val());
        cfg.put("baseline", s.baseline());
        cfg.put("model", s.model());
        cfg.put("uda", s.uda());
        cfg.put("cicld", s.cicld());
        Checkpoint.guard(s.out(), "cicld.json", cfg, "CICLD run", s.resume());
    }
}
