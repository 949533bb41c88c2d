package org.diffuda.methods.unetswap;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.ImageGrid;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.training.ControlNetTraining;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.Finetuning;
import org.diffuda.eval.DomainJudge;
import org.diffuda.methods.Arms;
import org.diffuda.methods.datum.Datum;
import org.diffuda.segmentation.ConfusionMatrix;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.SegRun;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Checkpoint;
import org.diffuda.uda.SelfTraining;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;

/**
 * U-Net swap (the ETH thesis) end to end, as its chapter 3–4 reads:
 * <ol>
 *   <li>domain U-Nets: the base U-Net fine-tuned on source images → U_src, on unlabelled target
 *       images → U_tgt (text encoder frozen; {@link Finetuning});</li>
 *   <li>a ControlNet trained on source (image, label) crops with U_src frozen, class-name prompts,
 *       RCS crops, 19 classes + other ({@link ControlNetTraining.Recipe#unetSwap});</li>
 *   <li>generation with the ControlNet and U_tgt swapped in (or the untouched base U-Net), RCS label
 *       crops, Small Components Refinement ({@link SwapGeneration});</li>
 *   <li>downstream: segmenters on sim alone, the generated set alone, both, and DAFormer on the
 *       generated set + the unlabelled target; ablations without RCS / SCR.</li>
 * </ol>
 * A diagnostic judge (a segmenter trained on the target's labels — never used for training or
 * selection) scores the alignment of the generated images with their conditioning labels (the
 * thesis' Table 4.1) and the small components before and after SCR; a sim-vs-real classifier gives
 * the share of generated images that look like the target. The last checkpoint is reported.
 */
public final class UnetSwap {
    /** The rows of the downstream table: which training set, and how it is trained. */
    public static final Map<String, String> ARMS = new LinkedHashMap<>();

    static {
        ARMS.put("sim", "source alone");
        ARMS.put("sim-full", "source alone, whole-image crops");
        ARMS.put("generated", "generated alone (RCS + SCR)");
        ARMS.put("sim+generated", "source + generated");
        ARMS.put("daformer", "DAFormer on generated + target");
        ARMS.put("plain", "generated, no RCS / no SCR");
        ARMS.put("rcs", "generated, RCS (no SCR)");
    }

    /**
     * How the domain U-Nets and the ControlNet are made when their folders do not exist yet (the
     * shipped ones in {@code models/} were made by these settings through the CLI).
     */
    public record ModelRecipe(int unetIters, int unetCrops, int controlnetIters, int batch, double lr, String unetPrompt) {
        public static ModelRecipe embedded() {
            return new ModelRecipe(2000, 4, 3000, 16, 1e-4, "an urban scene");
        }

        public ModelRecipe with(Object... nameValuePairs) {
            return Configs.with(this, nameValuePairs);
        }
    }

    /**
     * What a run trains and judges.
     *
     * @param seeds          the downstream segmenters' seeds (generation and models use the first)
     * @param arms           rows of {@link #ARMS}
     * @param alignImages    label crops generated with each U-Net for the alignment judge and the grid
     * @param classifierIters iterations of the sim-vs-real classifier
     */
    public record Plan(List<Long> seeds, List<String> arms, int alignImages, int classifierIters) {
        public static Plan defaults() {
            return new Plan(List.of(0L), List.of("sim", "sim-full", "generated", "sim+generated", "daformer"), 100, 400);
        }

        public Plan with(Object... nameValuePairs) {
            return Configs.with(this, nameValuePairs);
        }
    }

    /**
     * @param source     labelled source (sim/train)
     * @param target     unlabelled target images (real/train; its labels, if any, are never read here)
     * @param val        labelled target validation set
     * @param judgeData  labelled target set for the diagnostic judge, or null for none
     * @param unetSource U_src folder, or null: fine-tuned into OUT/models
     * @param unetTarget U_tgt folder, or null: fine-tuned into OUT/models
     * @param controlnet ControlNet folder, or null: trained into OUT/models
     * @param train      the downstream recipe (crops of the generation size)
     */
    public record Spec(String source, String target, String val, String judgeData, Path out, Path base, String variant,
                       Path unetSource, Path unetTarget, Path controlnet, ModelRecipe recipe, SwapConfig generation,
                       SegModelConfig model, TrainConfig train, UdaConfig uda, Plan plan, Evaluator.Options eval, boolean resume,
                       BadInput bad) {}

    private UnetSwap() {}

    /**
     * The downstream recipe: the embedded segmenter recipe on crops of the generation size, the
     * random scale relative to each image (the generated crops are at the source's own scale).
     */
    public static TrainConfig downstream(TrainConfig base, Path pipeline) {
        int[] size = TextToImage.imageSize(pipeline);
        return Configs.with(base, "cropHeight", size[0], "cropWidth", size[1], "scaleBase", "image");
    }

    public static Map<String, Object> run(Spec s) {
        s.generation().check();
        Arms.seeds(s.plan().seeds());
        Arms.check(s.plan().arms(), ARMS.keySet());
        Dataset source = Datasets.openLabelled("--source", s.source(), s.bad());
        Dataset target = Datasets.open("--target", s.target(), s.bad());
        Datasets.open("--val", s.val(), s.bad());
        guard(s);
        long seed0 = s.plan().seeds().get(0);
        Path models = s.out().resolve("models");
        Path uSrc = domainUnet(s, s.unetSource(), source, models.resolve("unet-source"), "source", seed0);
        Path uTgt = domainUnet(s, s.unetTarget(), target, models.resolve("unet-target"), "target", seed0);
        Path cn = controlnet(s, uSrc, source, models.resolve("controlnet"), seed0);

        System.out.println("U-Net swap: generate " + s.generation().count() + " pairs with the ControlNet and U_tgt");
        Path generated = s.out().resolve("generated");
        SwapGeneration.run(s.base(), s.variant(), uTgt, cn, source, s.generation(), generated, seed0, s.bad());
        Path unrefined = s.generation().scr() ? generated.resolve("before-scr") : generated;
        Map<String, Path> sets = new LinkedHashMap<>();
        sets.put("generated", generated);
        sets.put("rcs", unrefined);
        if (s.plan().arms().contains("plain")) {
            System.out.println("U-Net swap: generate the no-RCS / no-SCR set");
            Path plain = s.out().resolve("generated-plain");
            SwapGeneration.run(s.base(), s.variant(), uTgt, cn, source, s.generation().with("rcs", false, "scr", false), plain, seed0, s.bad());
            sets.put("plain", plain);
        }
        Map<String, Path> align = new LinkedHashMap<>();
        if (s.plan().alignImages() > 0) {
            SwapConfig few = s.generation().with("count", Math.min(s.plan().alignImages(), s.generation().count()), "scr", false);
            System.out.println("U-Net swap: the first " + few.count() + " crops with U_src (in-domain) and with the base U-Net");
            align.put("ControlNet + U_src (in-domain)", s.out().resolve("align/unet-source"));
            SwapGeneration.run(s.base(), s.variant(), uSrc, cn, source, few, s.out().resolve("align/unet-source"), seed0, s.bad());
            align.put("ControlNet + U_tgt (swap)", unrefined);
            align.put("ControlNet + base U-Net", s.out().resolve("align/base"));
            SwapGeneration.run(s.base(), s.variant(), null, cn, source, few, s.out().resolve("align/base"), seed0, s.bad());
        }

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "unet-swap");
        m.put("source", s.source());
        m.put("target", s.target());
        m.put("val", s.val());
        m.put("models", Json.object("unet_source", uSrc.toString(), "unet_target", uTgt.toString(), "controlnet", cn.toString()));
        m.put("generation", s.generation());
        m.put("seeds", s.plan().seeds());
        m.put("selection", "last checkpoint (no target labels)");
        Map<String, Object> rows = new LinkedHashMap<>();
        for (String a : s.plan().arms()) {
            List<EvalResult> evs = new ArrayList<>();
            for (long seed : s.plan().seeds()) {
                System.out.println("U-Net swap downstream: " + ARMS.get(a) + ", seed " + seed);
                evs.add(downstreamRun(s, a, sets, s.out().resolve(a + "-s" + seed), seed));
            }
            Map<String, Object> r = Datum.summary(evs);
            r.put("per_seed", evs);
            rows.put(a, r);
        }
        m.put("rows", rows);
        if (s.judgeData() != null) {
            System.out.println("diagnostic judge: a segmenter on " + s.judgeData() + " (never used for training or selection)");
            EvalResult oracle = SegRun.once(new SegRun.Spec("judge", List.of(s.judgeData()), s.val(), s.out().resolve("judge/segmenter"),
                    s.model(), Configs.with(TrainConfig.small(), "iterations", s.train().iterations()), seed0, s.eval(), false, s.bad()), null);
            m.put("oracle", oracle);
            m.put("judge", judge(s, align, generated, unrefined, source, target, seed0));
        }
        m.put("results", org.diffuda.report.Results.of("unet-swap", rows, ARMS, k -> k.equals("daformer")
                ? org.diffuda.report.Results.ALL_TARGET_IMAGES : k.startsWith("sim") && !k.contains("generated")
                ? org.diffuda.report.Results.NO_TARGET : org.diffuda.report.Results.ALL_TARGET_IMAGES, s.val(), s.plan().seeds(),
                s.train().iterations()));
        grid(s, align, generated);
        Json.writeFile(s.out().resolve("metrics.json"), m);
        UnetSwapReport.write(s, m);
        return m;
    }

    /** A domain U-Net: the given folder, or fine-tuned from the base on the domain's images into {@code fallback}. */
    static Path domainUnet(Spec s, Path given, Dataset images, Path fallback, String domain, long seed) {
        if (given != null) {
            if (org.diffuda.diffusion.io.PipelineFolder.unetDir(given) == null) {
                throw new DiffudaException("--unet-" + domain + " " + given + ": no config.json (expected a U-Net folder)");
            }
            return given;
        }
        Path unet = fallback.resolve("pipeline/unet");
        if (Files.isRegularFile(unet.resolve("config.json"))) {
            return unet;
        }
        ModelRecipe r = s.recipe();
        System.out.println("U-Net swap: fine-tune the " + domain + " U-Net on " + images.name() + " (" + r.unetIters() + " iterations; "
                + "none given)");
        int[] size = TextToImage.imageSize(s.base());
        DiffusionTrainConfig t = Configs.with(DiffusionTrainConfig.small(), "iterations", r.unetIters(), "batchSize", r.batch(), "lr", r.lr(),
                "condDropout", 0.1, "warmupIters", Math.min(100, r.unetIters() / 10));
        Finetuning.train(s.base(), s.variant(), Finetuning.Examples.of(images, r.unetPrompt()).cropped(r.unetCrops(), size[0], size[1], seed),
                fallback, t, false, seed);
        return unet;
    }

    /** The ControlNet: the given folder, or trained with U_src frozen (the thesis' recipe) into {@code fallback}. */
    static Path controlnet(Spec s, Path unetSource, Dataset source, Path fallback, long seed) {
        if (s.controlnet() != null) {
            if (!Files.isRegularFile(s.controlnet().resolve("config.json"))) {
                throw new DiffudaException("--controlnet " + s.controlnet() + ": no config.json (expected a diffusers ControlNet folder)");
            }
            return s.controlnet();
        }
        Path cn = fallback.resolve("controlnet");
        if (Files.isRegularFile(cn.resolve("config.json"))) {
            return cn;
        }
        ModelRecipe r = s.recipe();
        System.out.println("U-Net swap: train the ControlNet with U_src on " + source.name() + " (" + r.controlnetIters() + " iterations)");
        DiffusionTrainConfig t = Configs.with(DiffusionTrainConfig.small(), "iterations", r.controlnetIters(), "batchSize", r.batch(),
                "lr", r.lr(), "condDropout", 0.0);
        return ControlNetTraining.train(s.base(), s.variant(), List.of(source), fallback,
                new ControlNetTraining.Config("", "onehot-other", null, t, ControlNetTraining.Recipe.unetSwap(unetSource.toString())), seed,
                s.bad());
    }

    /** One downstream segmenter; a finished one is read, a killed one resumed. */
    static EvalResult downstreamRun(Spec s, String arm, Map<String, Path> sets, Path out, long seed) {
        if (arm.equals("daformer")) {
            EvalResult done = SegRun.finished(out);
            if (done != null) {
                return done;
            }
            UdaConfig u = s.uda();
            boolean resume = Files.isDirectory(out.resolve("checkpoint"));
            return SelfTraining.run(new SelfTraining.Spec(List.of(sets.get("generated").toString()), List.of(s.target()), s.val(), out,
                    s.model(), u, seed, s.eval(), resume, s.bad())).eval();
        }
        TrainConfig cfg = s.train();
        if (arm.equals("sim-full")) { // the segmenter's usual recipe: crops of the source images' own size
            Sample first = Datasets.open(s.source(), s.bad()).load(0);
            cfg = Configs.with(cfg, "cropHeight", first.height(), "cropWidth", first.width());
        }
        List<String> train = switch (arm) {
            case "sim", "sim-full" -> List.of(s.source());
            case "sim+generated" -> List.of(s.source(), sets.get("generated").toString());
            default -> List.of(sets.get(arm).toString());
        };
        return SegRun.once(new SegRun.Spec(arm, train, s.val(), out, s.model(), cfg, seed, s.eval(), false, s.bad()), null);
    }

    /**
     * The diagnostics: alignment (judge mIoU of each U-Net's samples against their conditioning
     * labels), the share a sim-vs-real classifier calls real, and the judge's mIoU on the small
     * components before and after refinement.
     */
    static Map<String, Object> judge(Spec s, Map<String, Path> align, Path generated, Path unrefined, Dataset source, Dataset target,
                                     long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        int[] size = TextToImage.imageSize(s.base());
        int h = size[0], w = size[1];
        int n = Math.max(1, s.plan().alignImages());
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter judge = SegModels.load(s.out().resolve("judge/segmenter/model"), m);
            List<Sample> simCrops = Transforms.fixedCrops(firstSamples(source, 500), h, w, 1, seed, "unet-swap judge crop");
            List<Sample> realCrops = Transforms.fixedCrops(firstSamples(target, 500), h, w, 1, seed, "unet-swap judge crop");
            int ks = Math.min(400, simCrops.size() * 4 / 5), kr = Math.min(400, realCrops.size() * 4 / 5); // the rest is held out
            DomainJudge clf = DomainJudge.train(List.of(images(simCrops.subList(0, ks)), images(realCrops.subList(0, kr))), h, w,
                    s.plan().classifierIters(), seed, m);
            Map<String, Object> alignment = new LinkedHashMap<>(), real = new LinkedHashMap<>();
            alignment.put("source crops themselves (sim look)", miou(judge, simCrops.subList(0, Math.min(n, simCrops.size())), s));
            real.put("held-out source crops (sim)", clf.accuracy(images(simCrops.subList(ks, simCrops.size())), 1));
            real.put("held-out target crops (real)", clf.accuracy(images(realCrops.subList(kr, realCrops.size())), 1));
            for (Map.Entry<String, Path> e : align.entrySet()) {
                Dataset d = Datasets.first(Datasets.open(e.getValue().toString(), s.bad()), n);
                List<Sample> smp = firstSamples(d, n);
                alignment.put(e.getKey(), miou(judge, smp, s));
                real.put(e.getKey(), clf.accuracy(images(smp), 1));
            }
            out.put("alignment_judge_miou19_against_conditioning_labels", alignment);
            out.put("share_judged_real_by_sim_vs_real_classifier", real);
            if (s.generation().scr()) {
                int maxPx = org.diffuda.uda.ClassStats.scaled(s.generation().scrMinPixels(), (long) h * w);
                ConfusionMatrix before = new ConfusionMatrix(), after = new ConfusionMatrix();
                Dataset a = Datasets.open(unrefined.toString(), s.bad()), b = Datasets.open(generated.toString(), s.bad());
                List<Integer> ia = Datasets.byId(a), ib = Datasets.byId(b);
                long pixels = 0;
                for (int k = 0; k < Math.min(ia.size(), ib.size()); k += 32) {
                    List<Sample> sa = new ArrayList<>(), sb = new ArrayList<>();
                    for (int j = k; j < Math.min(k + 32, Math.min(ia.size(), ib.size())); j++) {
                        sa.add(a.load(ia.get(j)));
                        sb.add(b.load(ib.get(j)));
                    }
                    List<int[]> pa = Evaluator.predict(judge, sa, s.eval()), pb = Evaluator.predict(judge, sb, s.eval());
                    for (int j = 0; j < sa.size(); j++) {
                        int[] lab = sa.get(j).label();
                        boolean[] mask = SmallComponents.mask(lab, h, w, maxPx);
                        int[] l2 = new int[lab.length];
                        for (int i = 0; i < lab.length; i++) {
                            l2[i] = mask[i] ? lab[i] : 255;
                            pixels += mask[i] ? 1 : 0;
                        }
                        before.add(pa.get(j), l2);
                        after.add(pb.get(j), l2);
                    }
                }
                Map<String, Object> scr = new LinkedHashMap<>();
                scr.put("small_component_pixels", pixels);
                scr.put("threshold_pixels", maxPx);
                scr.put("judge_miou19_on_small_components_before_scr", EvalResult.of("before-scr", ia.size(), before).miou19());
                scr.put("judge_miou19_on_small_components_after_scr", EvalResult.of("after-scr", ib.size(), after).miou19());
                scr.put("judge_pixel_accuracy_on_small_components_before_scr", 100 * before.pixelAccuracy());
                scr.put("judge_pixel_accuracy_on_small_components_after_scr", 100 * after.pixelAccuracy());
                out.put("small_components", scr);
            }
            Json.writeFile(s.out().resolve("judge/judge.json"), out);
        }
        return out;
    }

    private static double miou(Segmenter judge, List<Sample> samples, Spec s) {
        ConfusionMatrix cm = new ConfusionMatrix();
        for (int k = 0; k < samples.size(); k += 32) {
            List<Sample> b = samples.subList(k, Math.min(samples.size(), k + 32));
            List<int[]> p = Evaluator.predict(judge, b, s.eval());
            for (int j = 0; j < b.size(); j++) {
                cm.add(p.get(j), b.get(j).label());
            }
        }
        return EvalResult.of("judge", samples.size(), cm).miou19();
    }

    private static List<Sample> firstSamples(Dataset d, int n) {
        List<Sample> out = new ArrayList<>();
        for (int i : Datasets.byId(d).subList(0, Math.min(n, d.size()))) {
            out.add(d.load(i));
        }
        return out;
    }

    private static List<float[]> images(List<Sample> samples) {
        List<float[]> out = new ArrayList<>();
        samples.forEach(x -> out.add(x.image()));
        return out;
    }

    /** {@code OUT/grid.png}: label, U_src sample, U_tgt sample, base sample, U_tgt after SCR — the first crops. */
    static void grid(Spec s, Map<String, Path> align, Path generated) {
        List<String> cols = new ArrayList<>(List.of("label"));
        List<Path> dirs = new ArrayList<>();
        for (Map.Entry<String, Path> e : align.entrySet()) {
            cols.add(e.getKey().replace("ControlNet + ", "").replace(" (in-domain)", "").replace(" (swap)", ""));
            dirs.add(e.getValue());
        }
        if (s.generation().scr()) {
            cols.add("U_tgt + SCR");
            dirs.add(generated);
        }
        Dataset d = Datasets.open(generated.toString(), s.bad());
        List<BufferedImage> cells = new ArrayList<>();
        List<Integer> order = Datasets.byId(d);
        for (int r = 0; r < Math.min(6, order.size()); r++) {
            Sample smp = d.load(order.get(r));
            String id = d.id(order.get(r));
            cells.add(Png.colorize(smp.label(), smp.height(), smp.width()));
            for (Path dir : dirs) {
                Path f = dir.resolve("images").resolve(id + ".png");
                cells.add(Files.isRegularFile(f) ? Png.read(f) : new BufferedImage(smp.width(), smp.height(), BufferedImage.TYPE_INT_RGB));
            }
        }
        if (!cells.isEmpty()) {
            Png.write(ImageGrid.grid(cells, cols.size(), cols, 3), s.out().resolve("grid.png"));
        }
    }

    /** An output folder holds one run: another is refused unless --resume, and --resume with other settings is refused. */
    static void guard(Spec s) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("source", s.source());
        cfg.put("target", s.target());
        cfg.put("val", s.val());
        cfg.put("judge", s.judgeData());
        cfg.put("base", s.base().toAbsolutePath().normalize().toString());
        for (Object[] kv : new Object[][] {{"unet_source", s.unetSource()}, {"unet_target", s.unetTarget()}, {"controlnet", s.controlnet()}}) {
            cfg.put((String) kv[0], kv[1] == null ? null : ((Path) kv[1]).toAbsolutePath().normalize().toString());
        }
        cfg.put("recipe", s.recipe());
        cfg.put("generation", s.generation());
        cfg.put("model", s.model());
        cfg.put("train", s.train());
        cfg.put("uda", s.uda());
        Checkpoint.guard(s.out(), "unet-swap.json", cfg, "U-Net swap run", s.resume());
    }
}
