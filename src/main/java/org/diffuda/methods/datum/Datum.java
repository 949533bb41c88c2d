package org.diffuda.methods.datum;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Sample;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.uda.SelfTraining;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Json;

/**
 * DATUM (one-shot UDA with a personalised text-to-image model), for each chosen target image:
 * <ol>
 *   <li>personalise the text-to-image model on the one image ({@link DreamBooth});</li>
 *   <li>generate a class-prompted synthetic target set with it ({@link DatumGeneration});</li>
 *   <li>UDA self-training on the labelled source + the generated images ({@link SelfTraining});
 *       the one real image is not in the target set.</li>
 * </ol>
 * Optionally the one-shot baseline (DAFormer with the one real image as the whole target set)
 * and the personalisation judges ({@link DatumJudge}). Every stage resumes; {@code metrics.json}
 * holds each target image's results and their mean ± std.
 */
public final class Datum {
    /**
     * @param targetImages the one-shot images (a PNG each); one run per image
     * @param benchmark    the embedded benchmark root (for the judges), or null to skip them
     */
    public record Spec(List<String> source, List<Path> targetImages, String val, Path out, Path base, String variant,
                       SegModelConfig model, UdaConfig uda, DreamBoothConfig dreambooth, GenerationConfig generation, long seed,
                       Evaluator.Options eval, boolean resume, boolean oneShotBaseline, Path benchmark, int judgeSamples,
                       BadInput bad) {}

    /** One target image's results. */
    public record PerImage(String image, EvalResult datum, EvalResult oneShot, Map<String, Object> judge, double seconds) {}

    private Datum() {}

    public static List<PerImage> run(Spec s) {
        List<Sample> ones = new ArrayList<>();
        for (Path img : s.targetImages()) {
            ones.add(Datasets.open(img.toString(), s.bad()).load(0)); // every image readable before anything is written
        }
        if (s.benchmark() != null && s.judgeSamples() > 0) {
            DatumJudge.checkCorpus(s.benchmark().resolve("prior"));
        }
        guard(s);
        List<PerImage> results = new ArrayList<>();
        for (int k = 0; k < ones.size(); k++) {
            Path img = s.targetImages().get(k);
            Sample one = ones.get(k);
            long t0 = System.nanoTime();
            String id = stem(img);
            Path dir = s.out().resolve("target-" + id);
            System.out.println("DATUM target image " + img + ": 1/3 personalise " + s.base());
            DreamBooth.Result db = DreamBooth.personalize(s.base(), s.variant(), one, s.dreambooth(), s.generation(),
                    dir.resolve("personalized"), s.seed());
            System.out.println("DATUM target image " + img + ": 2/3 generate " + s.generation().count() + " images");
            List<String> prompts = DatumGeneration.prompts(s.generation(), s.dreambooth().token(), s.dreambooth().instancePrompt());
            DatumGeneration.generate(db.pipeline(), null, prompts, s.generation(), dir.resolve("generated"), s.seed());
            Map<String, Object> judge = null;
            if (s.benchmark() != null && s.judgeSamples() > 0) {
                Path jd = dir.resolve("judge");
                if (Files.isRegularFile(jd.resolve("judge.json"))) {
                    judge = Json.readFile(jd.resolve("judge.json"), Map.class);
                } else {
                    judge = DatumJudge.run(List.of(new DatumJudge.Model("base", s.base()), new DatumJudge.Model("personalized", db.pipeline())),
                            one, s.benchmark(), s.benchmark().resolve("prior"), s.dreambooth().token(), s.generation(), s.judgeSamples(),
                            300, dir.resolve("generated"), jd, s.seed(), s.bad());
                }
            }
            System.out.println("DATUM target image " + img + ": 3/3 self-training on source + generated");
            EvalResult datum = daformer(s, List.of(dir.resolve("generated").toString()), dir.resolve("daformer"));
            EvalResult oneShot = null;
            if (s.oneShotBaseline()) {
                System.out.println("one-shot baseline: DAFormer with " + img + " as the whole target set");
                oneShot = daformer(s, List.of(img.toString()), dir.resolve("one-shot"));
            }
            results.add(new PerImage(img.toString(), datum, oneShot, judge, (System.nanoTime() - t0) / 1e9));
        }
        write(s, results);
        return results;
    }

    /** DAFormer on the source and {@code target}; a finished run (metrics.json there) is read, not redone. */
    static EvalResult daformer(Spec s, List<String> target, Path out) {
        Path metrics = out.resolve("metrics.json");
        if (Files.isRegularFile(metrics)) {
            JsonNode ev = readTree(metrics).get("eval");
            return ev == null || ev.isNull() ? null : Json.MAPPER.convertValue(ev, EvalResult.class);
        }
        boolean resume = Files.isDirectory(out.resolve("checkpoint"));
        return SelfTraining.run(new SelfTraining.Spec(s.source(), target, s.val(), out, s.model(), s.uda(), s.seed(), s.eval(), resume,
                s.bad())).eval();
    }

    /**
     * A run folder is tied to its configuration: a new run refuses a folder holding another run
     * unless --resume, and --resume refuses a different configuration.
     */
    static void guard(Spec s) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("source", s.source());
        cfg.put("val", s.val());
        cfg.put("base", s.base().toAbsolutePath().toString());
        cfg.put("model", s.model());
        cfg.put("uda", s.uda());
        cfg.put("dreambooth", s.dreambooth());
        cfg.put("generation", s.generation());
        cfg.put("seed", s.seed());
        Path f = s.out().resolve("datum.json");
        if (Files.isRegularFile(f)) {
            if (!s.resume()) {
                throw new DiffudaException("--out " + s.out() + ": holds an earlier DATUM run; pass --resume to continue it or choose another --out");
            }
            if (!org.diffuda.training.Checkpoint.differences(readTree(f), cfg).isEmpty()) {
                throw new DiffudaException("--resume: " + f + " was written with another configuration; choose another --out");
            }
        } else {
            AtomicFiles.writeString(f, Json.write(cfg));
        }
    }

    private static void write(Spec s, List<PerImage> results) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "datum");
        m.put("source", s.source());
        m.put("val", s.val());
        m.put("seed", s.seed());
        m.put("per_image", results);
        Map<String, Object> datum = summary(results.stream().map(PerImage::datum).toList());
        Map<String, Object> oneShot = s.oneShotBaseline() ? summary(results.stream().map(PerImage::oneShot).toList()) : null;
        m.put("datum", datum);
        if (oneShot != null) {
            m.put("one_shot", oneShot);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        long iters = s.uda().train().iterations();
        rows.add(org.diffuda.report.Results.row("datum", results.size() == 1 ? "DATUM (one target image)" : "DATUM (spread over " + results.size() + " target images)",
                org.diffuda.report.Results.ONE_IMAGE, s.val(), List.of(s.seed()), results.stream().map(PerImage::datum).toList(), null, iters));
        if (oneShot != null) {
            rows.add(org.diffuda.report.Results.row("daformer", "DAFormer, one target image (spread over images)",
                    org.diffuda.report.Results.ONE_IMAGE, s.val(), List.of(s.seed()), results.stream().map(PerImage::oneShot).toList(), null, iters));
        }
        m.put("results", rows);
        Json.writeFile(s.out().resolve("metrics.json"), m);
        DatumReport.write(s, results, datum, oneShot);
    }

    /** mean ± sample std of mIoU19/16/13 over the images (std 0 for one image). */
    public static Map<String, Object> summary(List<EvalResult> evs) {
        return org.diffuda.report.Results.summary(evs);
    }

    /** The first {@code k} target images of a dataset chosen by the seed (distinct), as paths. */
    public static List<Path> pick(Dataset d, int k, long seed) {
        if (!(d instanceof org.diffuda.data.PairedFileDataset pd)) {
            throw new DiffudaException(d.name() + ": pick target images from a folder dataset");
        }
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            idx.add(i);
        }
        java.util.Collections.shuffle(idx, org.diffuda.util.Generator.of(seed, "datum target images").random());
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, idx.size()); i++) {
            out.add(pd.entry(idx.get(i)).image());
        }
        return out;
    }

    static String stem(Path p) {
        String f = p.getFileName().toString();
        return f.endsWith(".png") ? f.substring(0, f.length() - 4) : f;
    }

    private static JsonNode readTree(Path p) {
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (java.io.IOException e) {
            throw new DiffudaException(p + ": unreadable: " + e.getMessage(), e);
        }
    }
}
