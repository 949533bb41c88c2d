package org.diffuda.methods.unetswap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.diffuda.data.BadInput;
import org.diffuda.data.Classes;
import org.diffuda.data.DataException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.diffusion.pipelines.LayoutCondition;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.DdimScheduler;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;
import org.diffuda.training.Checkpoint;
import org.diffuda.uda.ClassStats;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.RunLock;

/**
 * U-Net swap's labelled-data generation: a source label crop in, through the ControlNet trained
 * with U_src but run with U_tgt (or the untouched base U-Net), a target-style image aligned with
 * it out; then Small Components Refinement. Leaves a folder dataset {@code OUT/images/ID.png} +
 * {@code OUT/labels/ID.png} (the conditioning label crop), with SCR also the unrefined images in
 * {@code OUT/before-scr/}, {@code manifest.jsonl} and {@code generate.json} (a rerun finishes a
 * killed one with the same bytes; another configuration is refused).
 */
public final class SwapGeneration {
    /** One label crop to generate for: pick k of the run, its source image and window, the class RCS drew (−1: none). */
    public record Pick(int k, String id, int source, int y0, int x0, int cls) {}

    /** A manifest line. */
    public record Item(String id, String image, String label, String source_id, int y0, int x0, String rcs_class, String prompt,
                       int refined_components, long seed, String generator) {}

    private SwapGeneration() {}

    /**
     * The run's label crops of h × w. With RCS each pick draws a class (softmax((1 − f_c)/T)), an
     * image holding enough of it and a window centred on one of its pixels; without, source images
     * go in a seeded permutation, each with a uniformly random window. Pick k depends only on
     * (seed, k), so a larger count extends a smaller one.
     */
    public static List<Pick> picks(Dataset labels, ClassStats stats, SwapConfig c, int h, int w, long seed) {
        List<Pick> out = new ArrayList<>();
        ClassStats.Rcs rcs = c.rcs() ? stats.rcs(c.rcsTemperature(), c.rcsMinPixels()) : null;
        int n = labels.size();
        for (int k = 0; k < c.count(); k++) {
            Random r = Generator.of(seed, "unet-swap pick", k).random();
            int src, cls = -1;
            if (rcs != null) {
                int[] ic = rcs.draw(r);
                src = ic[0];
                cls = ic[1];
            } else {
                src = permuted(n, seed, k);
            }
            Sample s = labels.load(src);
            int[] yx = cls >= 0 ? Transforms.aroundPixelOf(s, cls, h, w, r) : null;
            if (yx == null) {
                yx = new int[] {s.height() > h ? r.nextInt(s.height() - h + 1) : 0, s.width() > w ? r.nextInt(s.width() - w + 1) : 0};
            }
            out.add(new Pick(k, String.format("%06d", k), src, yx[0], yx[1], cls));
        }
        return out;
    }

    private static int permuted(int n, long seed, int k) {
        return org.diffuda.data.Loader.permutation(n, Generator.of(seed, "unet-swap order", k / n).nextSeed())[k % n];
    }

    /**
     * Generates from pure noise for label maps (N, h, w) (train ids, 255 ignored): DDIM (eta 0),
     * classifier-free guidance against {@code negativePrompt}, the ControlNet on both halves, the
     * class names of each label as its prompt. → images (N, 3, h, w) in [0, 1].
     */
    public static NDArray generate(PipelineFolder.StableDiffusion p, ControlNetModel cn, NDArray labels, List<String> prompts,
                                   SwapConfig c, Generator generator, NDManager m) {
        String mode = LayoutCondition.forChannels(LayoutCondition.channels(cn.config()));
        NDArray cond = LayoutCondition.encode(labels, mode);
        Conditioning[] cu = TextToImage.encode(p, prompts, List.of(c.negativePrompt()), m);
        DdimScheduler s = new DdimScheduler(p.scheduler().withClassName("DDIMScheduler"));
        int down = LatentCodec.downsampling(p.vae());
        long n = labels.getShape().get(0), h = labels.getShape().get(1), w = labels.getShape().get(2);
        DiffusionSampler.Options o = DiffusionSampler.Options.of(c.steps()).withGuidance(c.guidance()).withGenerator(generator)
                .withControl(new DiffusionSampler.Control(cn, cond, c.controlScale()));
        NDArray z = DiffusionSampler.generate(p.unet(), s, new Shape(n, p.unet().config().inChannels(), h / down, w / down), m,
                cu[0], cu[1], o, SamplingHook.NONE);
        return LatentCodec.decode(p.vae(), z).clip(0, 1);
    }

    /** The generator of one image, from the run seed and its id. */
    public static Generator generator(long seed, String id) {
        return Generator.of(seed, "unet-swap image:" + id);
    }

    /**
     * Small Components Refinement of a batch: for each image its small components (smallest first,
     * up to {@code scrRounds}), each window's label upsampled (nearest) to the generation size,
     * regenerated (all windows of the batch in chunks of {@code batch}), resized back to the window
     * and pasted inside the component. {@code images}: CHW arrays of h × w, modified in place.
     *
     * @return components refined per image
     */
    public static int[] refine(PipelineFolder.StableDiffusion p, ControlNetModel cn, List<int[]> labels, List<float[]> images,
                               List<String> ids, int h, int w, SwapConfig c, long seed, NDManager root) {
        int maxPx = ClassStats.scaled(c.scrMinPixels(), (long) h * w);
        record Job(int image, SmallComponents.Component comp, SmallComponents.Window win, int[] label, String gen) {}
        List<Job> jobs = new ArrayList<>();
        int[] count = new int[labels.size()];
        for (int i = 0; i < labels.size(); i++) {
            List<SmallComponents.Component> comps = SmallComponents.find(labels.get(i), h, w, maxPx);
            for (int j = 0; j < Math.min(c.scrRounds(), comps.size()); j++) {
                SmallComponents.Window win = SmallComponents.window(comps.get(j), h, w, c.scrZoom());
                jobs.add(new Job(i, comps.get(j), win, SmallComponents.upsampleLabel(labels.get(i), w, win, h, w),
                        "unet-swap scr:" + ids.get(i) + ":" + j));
                count[i]++;
            }
        }
        for (int first = 0; first < jobs.size(); first += c.batch()) {
            List<Job> chunk = jobs.subList(first, Math.min(jobs.size(), first + c.batch()));
            try (NDManager m = root.newSubManager()) {
                int[] flat = new int[chunk.size() * h * w];
                List<String> prompts = new ArrayList<>();
                List<Generator> gens = new ArrayList<>();
                for (int k = 0; k < chunk.size(); k++) {
                    System.arraycopy(chunk.get(k).label(), 0, flat, k * h * w, h * w);
                    prompts.add(LayoutCondition.classNames(chunk.get(k).label()));
                    gens.add(Generator.of(seed, chunk.get(k).gen()));
                }
                NDArray lab = Tensors.create(m, flat, new Shape(chunk.size(), h, w), DataType.INT64);
                NDArray out = generate(p, cn, lab, prompts, c, Generator.perItem(gens), m);
                for (int k = 0; k < chunk.size(); k++) {
                    Job j = chunk.get(k);
                    NDArray back = Ops.resize(out.get(k).expandDims(0), j.win().h(), j.win().w(), Ops.BILINEAR_AA).clip(0, 1);
                    SmallComponents.paste(images.get(j.image()), h, w, j.comp(), j.win(), back.toFloatArray());
                }
            }
        }
        return count;
    }

    /**
     * Generates {@code c.count()} pairs into {@code out}.
     *
     * @param unet a U-Net folder swapped in for the pipeline's (U_tgt), or null for the base U-Net
     * @return images made by this call
     */
    @SuppressWarnings("unchecked")
    public static int run(Path pipeline, String variant, Path unet, Path controlnet, Dataset labels, SwapConfig c, Path out, long seed,
                          BadInput bad) {
        c.check();
        if (!labels.labelled()) {
            throw new DiffudaException("--labels " + labels.name() + ": has no label maps to generate from");
        }
        if (!Files.isRegularFile(controlnet.resolve("config.json"))) {
            throw new DiffudaException("--controlnet " + controlnet + ": no config.json (expected a diffusers ControlNet folder)");
        }
        if (unet != null && PipelineFolder.unetDir(unet) == null) {
            throw new DiffudaException("--unet " + unet + ": neither a U-Net folder (config.json) nor a pipeline with unet/");
        }
        int[] size = TextToImage.imageSize(pipeline);
        int h = size[0], w = size[1];
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = Engines.engine().newBaseManager()) {
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("pipeline", pipeline.toAbsolutePath().normalize().toString());
            cfg.put("unet", unet == null ? null : unet.toAbsolutePath().normalize().toString());
            cfg.put("controlnet", controlnet.toAbsolutePath().normalize().toString());
            cfg.put("labels", labels.name());
            // the batch too (batched kernels change the last bits); not the count: pick k and its fixed batch
            // depend on (seed, k) alone, so a rerun with a larger count extends the set with the same bytes
            cfg.put("generation", Json.MAPPER.convertValue(c, java.util.Map.class));
            ((Map<String, Object>) cfg.get("generation")).remove("count");
            cfg.put("seed", seed);
            Checkpoint.guard(out, "generate.json", cfg, "images");
            Path images = out.resolve("images"), labs = out.resolve("labels");
            Path before = out.resolve("before-scr");
            for (Path d : c.scr() ? List.of(images, labs, before.resolve("images"), before.resolve("labels")) : List.of(images, labs)) {
                Files.createDirectories(d);
            }
            ClassStats stats = c.rcs() ? ClassStats.of(labels) : null;
            List<Pick> picks = picks(labels, stats, c, h, w, seed);
            Set<String> finished = AtomicFiles.completeFiles(images, ".png");
            int todo = (int) picks.stream().filter(pk -> !finished.contains(pk.id() + ".png")).count();
            PipelineFolder.StableDiffusion p = null;
            ControlNetModel cn = null;
            if (todo > 0) {
                PipelineFolder.StableDiffusion base = PipelineFolder.load(pipeline, m, variant);
                UNet2DConditionModel u = unet == null ? base.unet() : PipelineFolder.loadUNet(unet, m, variant, base.unet().config());
                p = base.withUnet(u);
                cn = PipelineFolder.loadControlNet(controlnet, m, variant);
            }
            List<Item> items = new ArrayList<>();
            int made = 0;
            try (Progress progress = new Progress("generate unet-swap", picks.size(), picks.size() - todo)) {
                for (int first = 0; first < picks.size(); first += c.batch()) {
                    List<Pick> batch = picks.subList(first, Math.min(picks.size(), first + c.batch()));
                    List<int[]> crops = new ArrayList<>();
                    List<String> srcIds = new ArrayList<>();
                    boolean missing = batch.stream().anyMatch(pk -> !finished.contains(pk.id() + ".png"));
                    for (Pick pk : batch) {
                        Sample s;
                        try {
                            s = labels.load(pk.source());
                        } catch (DataException e) {
                            bad.report(e);
                            s = null;
                        }
                        crops.add(s == null ? null : Transforms.crop(s, pk.y0(), pk.x0(), h, w).label());
                        srcIds.add(s == null ? null : s.id());
                    }
                    if (missing) {
                        int had = finished.size();
                        batch(p, cn, batch, crops, h, w, c, seed, out, finished, progress, m);
                        made += finished.size() - had;
                    }
                    for (int k = 0; k < batch.size(); k++) {
                        Pick pk = batch.get(k);
                        if (crops.get(k) != null && Files.isRegularFile(images.resolve(pk.id() + ".png"))) {
                            int comps = c.scr() ? Math.min(c.scrRounds(),
                                    SmallComponents.find(crops.get(k), h, w, ClassStats.scaled(c.scrMinPixels(), (long) h * w)).size()) : 0;
                            items.add(new Item(pk.id(), "images/" + pk.id() + ".png", "labels/" + pk.id() + ".png", srcIds.get(k), pk.y0(),
                                    pk.x0(), pk.cls() < 0 ? null : Classes.NAMES[pk.cls()], LayoutCondition.classNames(crops.get(k)), comps,
                                    seed, "unet-swap image:" + pk.id()));
                        }
                    }
                }
            }
            AtomicFiles.writeJsonLines(out.resolve("manifest.jsonl"), items);
            return made;
        } catch (IOException e) {
            throw new DiffudaException(out + ": " + AtomicFiles.ioReason(e), e);
        }
    }

    /** One fixed batch of picks: generate, write the unrefined pair, refine, write the pair. */
    private static void batch(PipelineFolder.StableDiffusion p, ControlNetModel cn, List<Pick> batch, List<int[]> crops, int h, int w,
                               SwapConfig c, long seed, Path out, Set<String> finished, Progress progress, NDManager root) {
        List<Integer> ok = new ArrayList<>();
        for (int k = 0; k < batch.size(); k++) {
            if (crops.get(k) != null) {
                ok.add(k);
            }
        }
        if (ok.isEmpty()) {
            return;
        }
        try (NDManager m = root.newSubManager()) {
            int[] flat = new int[ok.size() * h * w];
            List<String> prompts = new ArrayList<>(), ids = new ArrayList<>();
            List<Generator> gens = new ArrayList<>();
            List<int[]> labs = new ArrayList<>();
            for (int j = 0; j < ok.size(); j++) {
                int[] lab = crops.get(ok.get(j));
                System.arraycopy(lab, 0, flat, j * h * w, h * w);
                prompts.add(LayoutCondition.classNames(lab));
                String id = batch.get(ok.get(j)).id();
                ids.add(id);
                gens.add(generator(seed, id));
                labs.add(lab);
            }
            NDArray gen = generate(p, cn, Tensors.create(m, flat, new Shape(ok.size(), h, w), DataType.INT64), prompts, c,
                    Generator.perItem(gens), m);
            List<float[]> imgs = new ArrayList<>();
            for (int j = 0; j < ok.size(); j++) {
                imgs.add(gen.get(j).toFloatArray());
            }
            if (c.scr()) {
                for (int j = 0; j < ok.size(); j++) {
                    write(out.resolve("before-scr"), ids.get(j), labs.get(j), imgs.get(j), h, w);
                }
                refine(p, cn, labs, imgs, ids, h, w, c, seed, m);
            }
            for (int j = 0; j < ok.size(); j++) {
                if (!finished.contains(ids.get(j) + ".png")) {
                    write(out, ids.get(j), labs.get(j), imgs.get(j), h, w);
                    finished.add(ids.get(j) + ".png");
                    progress.step("");
                }
            }
        }
    }

    /** Label first, image last: an image on disk means its pair is complete. */
    private static void write(Path dir, String id, int[] label, float[] chw, int h, int w) {
        Png.write(Png.labelImage(label, h, w), dir.resolve("labels").resolve(id + ".png"));
        Png.write(Png.fromChw(chw, h, w), dir.resolve("images").resolve(id + ".png"));
    }
}
