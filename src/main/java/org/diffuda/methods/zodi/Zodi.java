package org.diffuda.methods.zodi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.LayoutCondition;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.DdimScheduler;
import org.diffuda.methods.Arms;
import org.diffuda.methods.datum.Datum;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.SegRun;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;

/**
 * ZoDi (zero-shot domain adaptation by diffusion-based image transfer), end to end:
 * <ol>
 *   <li>transfer every labelled source image to the domain the prompt names ({@link ZodiTransfer});</li>
 *   <li>train the segmenter on source + transferred pairs with the feature-similarity loss
 *       ({@link ZodiAdaptation}); the last checkpoint is reported — no target label selects anything.</li>
 * </ol>
 * Arms: {@code zodi} and the paper's ablations {@code sdedit}, {@code inst}, {@code no-si} (w/o
 * stochastic inversion: the ControlNet alone), {@code no-sim} (λ = 0) and the diagnostic {@code vae}
 * (the pipeline's autoencoder round trip in place of a transfer: what the pipeline costs), each trained with
 * every seed; the transfers are made once, with the first seed. With a labelled train split of
 * the target condition (the embedded benchmark's), a diagnostic judge — a segmenter trained on
 * it, never used for training or selection — scores how well each transfer keeps the source
 * layout, and how well ControlNet samples from pure noise follow their label maps. Every stage
 * resumes; {@code metrics.json} and {@code report.html} hold the table.
 */
public final class Zodi {
    /** An arm of the table: the transfer mode it trains on and its λ. */
    public record Arm(String name, String mode, boolean similarity) {}

    public static final Map<String, Arm> ARMS = armTable();

    private static Map<String, Arm> armTable() {
        Map<String, Arm> m = new LinkedHashMap<>();
        m.put("zodi", new Arm("zodi", "zodi", true));
        m.put("sdedit", new Arm("sdedit", "sdedit", true));
        m.put("inst", new Arm("inst", "inst", true));
        m.put("no-si", new Arm("no-si", "controlnet", true));
        m.put("no-sim", new Arm("no-sim", "zodi", false));
        m.put("vae", new Arm("vae", "vae", true));
        return m;
    }

    /**
     * @param models      the transfer's pipeline, optional swapped U-Net and ControlNet
     * @param generated   a finished transfer to train on instead of making one (stage 2 only), or null
     * @param judgeData   labelled train split of the target condition for the diagnostic judge, or null
     * @param judgeImages source label maps the ControlNet samples from pure noise (0: none)
     * @param train       stage-2 training; its batch counts pairs (source-only trains on twice as many images)
     */
    public record Spec(String source, String val, Path out, ZodiTransfer.Models models, ZodiConfig transfer,
                       Path generated, SegModelConfig model, TrainConfig train, double lambdaSim, Plan plan, String judgeData,
                       Evaluator.Options eval, boolean resume, BadInput bad) {
        public List<Long> seeds() {
            return plan.seeds();
        }
    }

    /**
     * What a run trains and judges.
     *
     * @param seeds         stage-2 seeds of ZoDi and source-only (transfers use the first)
     * @param ablationSeeds seeds of the other arms
     * @param layoutModes   transfer modes made only for the judge and the grid, on the first judgeImages images
     * @param judgeImages   images (first by id) the judge compares the transfers on, and label maps the
     *                      ControlNet samples from pure noise (0: every image, and no noise samples)
     */
    public record Plan(List<Long> seeds, List<Long> ablationSeeds, List<String> arms, List<String> layoutModes, boolean sourceOnly,
                       int judgeImages) {
        public static Plan of(List<Long> seeds, List<String> arms) {
            return new Plan(seeds, seeds, arms, List.of(), true, 100);
        }

        public Plan with(Object... nameValuePairs) {
            return org.diffuda.util.Configs.with(this, nameValuePairs);
        }

        List<Long> seedsOf(String arm) {
            return arm.equals("zodi") ? seeds : ablationSeeds;
        }
    }

    private Zodi() {}

    public static Map<String, Object> run(Spec s) {
        s.transfer().check();
        Arms.seeds(s.seeds());
        Arms.check(s.plan().arms(), ARMS.keySet());
        Dataset source = Datasets.openLabelled("--source", s.source(), s.bad());
        for (String mode : s.plan().layoutModes()) {
            s.transfer().with("mode", mode).check();
        }
        boolean needsControlNet = s.plan().arms().stream().anyMatch(a -> List.of("zodi", "controlnet").contains(ARMS.get(a).mode()));
        s.models().check();
        Path controlnet = s.models().controlnet();
        if (needsControlNet && s.generated() == null && (controlnet == null || !Files.isRegularFile(controlnet.resolve("config.json")))) {
            throw new DiffudaException("--controlnet " + controlnet + ": no config.json (expected a diffusers ControlNet folder)");
        }
        if (s.generated() != null) {
            ZodiAdaptation.pairs(source, Datasets.open(s.generated().toString(), s.bad())); // every pair there before anything is written
        }
        guard(s);
        long seed0 = s.seeds().get(0);
        Map<String, Path> transfers = new LinkedHashMap<>();
        for (String a : s.plan().arms()) {
            Arm arm = ARMS.get(a);
            if (transfers.containsKey(arm.mode())) {
                continue;
            }
            Path dir = s.generated() != null && arm.mode().equals(s.transfer().mode()) ? s.generated() : s.out().resolve("transfer-" + arm.mode());
            if (s.generated() == null || !dir.equals(s.generated())) {
                System.out.println("ZoDi stage 1: transfer (" + arm.mode() + ") " + s.source() + (arm.mode().equals("vae")
                        ? " through the autoencoder alone (no prompt)" : " → \"" + s.transfer().fullPrompt() + "\""));
                ZodiTransfer.run(s.models(), source, s.transfer().with("mode", arm.mode()), dir, seed0, 0, s.bad());
            }
            transfers.put(arm.mode(), dir);
        }
        for (String mode : s.plan().layoutModes()) {
            if (!transfers.containsKey(mode)) {
                Path dir = s.out().resolve("judge").resolve("transfer-" + mode); // not OUT/transfer-MODE: an arm added later makes the full one there
                System.out.println("ZoDi stage 1 for the judge: transfer (" + mode + ") of "
                        + (s.plan().judgeImages() > 0 ? "the first " + s.plan().judgeImages() + " images" : "every image"));
                ZodiTransfer.run(s.models(), source, s.transfer().with("mode", mode), dir, seed0,
                        s.plan().judgeImages(), s.bad()); // 0: every image, as the judge then reads them all
                transfers.put(mode, dir);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "zodi");
        m.put("source", s.source());
        m.put("val", s.val());
        m.put("transfer", s.transfer());
        m.put("lambda_sim", s.lambdaSim());
        m.put("seeds", s.seeds());
        m.put("selection", "last checkpoint (no target labels)");
        Map<String, Object> rows = new LinkedHashMap<>();
        if (s.plan().sourceOnly()) {
            List<EvalResult> evs = new ArrayList<>();
            for (long seed : s.seeds()) {
                System.out.println("source-only baseline, seed " + seed);
                evs.add(supervised(s, "source-only", List.of(s.source()), s.val(), s.out().resolve("source-only-s" + seed),
                        org.diffuda.util.Configs.with(s.train(), "batchSize", 2 * s.train().batchSize()), seed));
            }
            rows.put("source-only", row(evs));
        }
        for (String a : s.plan().arms()) {
            Arm arm = ARMS.get(a);
            List<EvalResult> evs = new ArrayList<>();
            for (long seed : s.plan().seedsOf(a)) {
                System.out.println("ZoDi stage 2: " + a + " (λ " + (arm.similarity() ? s.lambdaSim() : 0) + "), seed " + seed);
                evs.add(adapt(s, transfers.get(arm.mode()), arm.similarity() ? s.lambdaSim() : 0, s.out().resolve(a + "-s" + seed), seed));
            }
            rows.put(a, row(evs));
        }
        m.put("rows", rows);
        if (s.judgeData() != null) {
            System.out.println("diagnostic judge: a segmenter on " + s.judgeData() + " (never used for training or selection)");
            Path jd = s.out().resolve("judge");
            EvalResult oracle = supervised(s, "judge", List.of(s.judgeData()), s.val(), jd.resolve("segmenter"),
                    org.diffuda.util.Configs.with(s.train(), "batchSize", 2 * s.train().batchSize()), seed0);
            m.put("oracle", oracle);
            m.put("layout", judge(s, source, transfers, jd, seed0));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        ARMS.forEach((k, v) -> labels.put(k, ZodiReport.ROW_NAMES.getOrDefault(k, v.name())));
        m.put("results", org.diffuda.report.Results.of("zodi", rows, labels,
                k -> k.equals("source-only") ? org.diffuda.report.Results.NO_TARGET : org.diffuda.report.Results.PROMPT, s.val(), s.seeds(),
                s.train().iterations()));
        grid(s, source, transfers);
        Json.writeFile(s.out().resolve("metrics.json"), m);
        ZodiReport.write(s, m);
        return m;
    }

    /** Stage 2 on the source and one transfer; a finished run is read, not redone. */
    static EvalResult adapt(Spec s, Path generated, double lambda, Path out, long seed) {
        SegRun.Spec spec = new SegRun.Spec("zodi", List.of(s.source(), generated.toString()), s.val(), out, s.model(), s.train(), seed,
                s.eval(), false, s.bad());
        return SegRun.once(spec, ZodiAdaptation.step(s.train(), lambda, seed, s.bad()));
    }

    static EvalResult supervised(Spec s, String name, List<String> train, String val, Path out, TrainConfig cfg, long seed) {
        return SegRun.once(new SegRun.Spec(name, train, val, out, s.model(), cfg, seed, s.eval(), false, s.bad()), null);
    }

    private static Map<String, Object> row(List<EvalResult> evs) {
        Map<String, Object> r = Datum.summary(evs);
        r.put("per_seed", evs);
        return r;
    }

    /**
     * The diagnostic judge: its mIoU on each transfer against the source labels (is the layout
     * kept?), and on samples generated from pure noise for the first label maps, with the
     * ControlNet and with the prompt alone (does the ControlNet follow layouts?).
     */
    static Map<String, Object> judge(Spec s, Dataset source, Map<String, Path> transfers, Path dir, long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter judge = SegModels.load(dir.resolve("segmenter/model"), m);
            Map<String, Object> kept = new LinkedHashMap<>();
            int n = s.plan().judgeImages() > 0 ? s.plan().judgeImages() : Integer.MAX_VALUE;
            for (Map.Entry<String, Path> e : transfers.entrySet()) {
                Dataset d = Datasets.first(Datasets.open(e.getValue().toString(), s.bad()), n);
                kept.put(e.getKey(), Evaluator.evaluate(judge, d, s.eval(), s.bad(), p -> {}).miou19());
            }
            kept.put("source images", Evaluator.evaluate(judge, Datasets.first(source, n), s.eval(), s.bad(), p -> {}).miou19());
            out.put("images", Math.min(n, source.size()));
            out.put("judge_miou19_against_source_labels", kept);
            if (s.plan().judgeImages() > 0 && s.models().controlnet() != null) {
                Map<String, Object> noise = new LinkedHashMap<>();
                for (boolean control : new boolean[] {true, false}) {
                    Path nd = dir.resolve(control ? "noise-controlnet" : "noise-prompt-only");
                    fromNoise(s, source, control, nd, seed);
                    noise.put(control ? "controlnet" : "prompt only",
                            Evaluator.evaluate(judge, Datasets.open(nd.toString(), s.bad()), s.eval(), s.bad(), p -> {}).miou19());
                }
                out.put("judge_miou19_of_samples_from_noise_against_their_labels", noise);
            }
        }
        Json.writeFile(dir.resolve("layout.json"), out);
        return out;
    }

    /** Samples from pure noise for the first label maps (by id): ControlNet + prompt, or the prompt alone; a folder dataset. */
    static void fromNoise(Spec s, Dataset source, boolean control, Path dir, long seed) {
        if (Files.isRegularFile(dir.resolve("done.json"))) {
            return;
        }
        List<Integer> order = ZodiTransfer.byId(source);
        int n = Math.min(s.plan().judgeImages(), order.size());
        ZodiConfig c = s.transfer();
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = s.models().load(m);
            ControlNetModel cn = PipelineFolder.loadControlNet(s.models().controlnet(), m, s.models().variant());
            String labelInput = ZodiTransfer.labelInput(c, cn);
            int[] size = TextToImage.imageSize(p);
            Files.createDirectories(dir.resolve("images"));
            Files.createDirectories(dir.resolve("labels"));
            for (int first = 0; first < n; first += c.batch()) {
                try (NDManager sub = m.newSubManager()) {
                    List<Sample> batch = new ArrayList<>();
                    List<NDArray> conds = new ArrayList<>();
                    List<Generator> gens = new ArrayList<>();
                    for (int k = first; k < Math.min(n, first + c.batch()); k++) {
                        Sample smp = source.load(order.get(k));
                        batch.add(smp);
                        NDArray y = Tensors.create(sub, smp.label(), new Shape(1, smp.height(), smp.width()), DataType.INT64);
                        conds.add(Ops.resize(LayoutCondition.encode(y, labelInput), size[0], size[1], Ops.BILINEAR));
                        gens.add(Generator.of(seed, "zodi noise sample:" + smp.id()));
                    }
                    NDArray cond = NDArrays.concat(new NDList(conds), 0);
                    DiffusionSampler.Options o = DiffusionSampler.Options.of(c.steps()).withGuidance(c.guidance())
                            .withGenerator(Generator.perItem(gens))
                            .withControl(control ? new DiffusionSampler.Control(cn, cond, c.controlScale()) : null);
                    List<String> prompts = java.util.Collections.nCopies(batch.size(), c.fullPrompt());
                    Conditioning[] cu = TextToImage.encode(p, prompts, c.negativePrompt() == null ? null : List.of(c.negativePrompt()), sub);
                    DdimScheduler sch = new DdimScheduler(p.scheduler().withClassName("DDIMScheduler")).eta(c.eta());
                    var uc = p.unet().config();
                    NDArray z = DiffusionSampler.generate(p.unet(), sch, new Shape(batch.size(), uc.inChannels(), uc.sampleSize(),
                            size[1] / (size[0] / uc.sampleSize())), sub, cu[0], cu[1], o, SamplingHook.NONE);
                    NDArray img = org.diffuda.diffusion.pipelines.LatentCodec.decode(p.vae(), z).clip(0, 1);
                    for (int k = 0; k < batch.size(); k++) {
                        Sample smp = batch.get(k);
                        NDArray back = Ops.resize(img.get(k).expandDims(0), smp.height(), smp.width(), Ops.BILINEAR).clip(0, 1);
                        String stem = ZodiTransfer.fileStem(smp.id());
                        Png.write(Png.labelImage(smp.label(), smp.height(), smp.width()), dir.resolve("labels").resolve(stem + ".png"));
                        Png.write(Png.fromChw(back.toFloatArray(), smp.height(), smp.width()), dir.resolve("images").resolve(stem + ".png"));
                    }
                }
            }
            AtomicFiles.writeString(dir.resolve("done.json"), Json.write(Json.object("images", n, "controlnet", control, "prompt", c.fullPrompt())));
        } catch (java.io.IOException e) {
            throw new DiffudaException(dir + ": " + AtomicFiles.ioReason(e), e);
        }
    }

    /** {@code OUT/grid.png}: rows of source, each transfer, label. */
    static void grid(Spec s, Dataset source, Map<String, Path> transfers) {
        List<String> cols = new ArrayList<>(List.of("source"));
        List<String> modes = new ArrayList<>();
        for (String mode : List.of("sdedit", "inst", "controlnet", "zodi")) {
            if (transfers.containsKey(mode)) {
                modes.add(mode);
                cols.add(mode.equals("controlnet") ? "w/o SI" : mode.equals("zodi") ? "ZoDi" : mode.equals("sdedit") ? "SDEdit" : "InST");
            }
        }
        cols.add("label");
        List<Integer> order = ZodiTransfer.byId(source);
        List<BufferedImage> cells = new ArrayList<>();
        for (int r = 0; r < Math.min(4, order.size()); r++) {
            Sample smp = source.load(order.get(r));
            cells.add(Png.fromChw(smp.image(), smp.height(), smp.width()));
            for (String mode : modes) {
                Path f = transfers.get(mode).resolve("images").resolve(ZodiTransfer.fileStem(smp.id()) + ".png");
                cells.add(Files.isRegularFile(f) ? Png.read(f) : new BufferedImage(smp.width(), smp.height(), BufferedImage.TYPE_INT_RGB));
            }
            cells.add(Png.colorize(smp.label(), smp.height(), smp.width()));
        }
        if (!cells.isEmpty()) {
            Png.write(ImageGrid.grid(cells, cols.size(), cols, 2), s.out().resolve("grid.png"));
        }
    }

    /** An output folder holds one run: another run is refused unless --resume, and --resume with other settings is refused. */
    static void guard(Spec s) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("source", s.source());
        cfg.put("val", s.val());
        s.models().record(cfg, "base", true);
        cfg.put("transfer", s.transfer());
        cfg.put("generated", s.generated() == null ? null : s.generated().toString());
        cfg.put("model", s.model());
        cfg.put("train", s.train());
        cfg.put("lambda_sim", s.lambdaSim());
        cfg.put("judge", s.judgeData());
        Path f = s.out().resolve("zodi.json");
        try {
            if (Files.isRegularFile(f)) {
                if (!s.resume()) {
                    throw new DiffudaException("--out " + s.out() + ": holds an earlier ZoDi run; pass --resume to continue it or choose another --out");
                }
                var diff = org.diffuda.training.Checkpoint.differences(Json.MAPPER.readTree(f.toFile()), cfg);
                if (!diff.isEmpty()) {
                    throw new DiffudaException("--resume: " + f + " was written with another configuration (" + String.join(", ", diff)
                            + "); choose another --out");
                }
            } else {
                AtomicFiles.writeString(f, Json.write(cfg));
            }
        } catch (java.io.IOException e) {
            throw new DiffudaException(f + ": unreadable: " + e.getMessage(), e);
        }
    }
}
