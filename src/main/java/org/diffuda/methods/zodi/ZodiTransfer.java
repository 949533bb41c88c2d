package org.diffuda.methods.zodi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.DataException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.Inversion;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.diffusion.pipelines.LayoutCondition;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.DdimScheduler;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Progress;
import org.diffuda.util.RunLock;

/**
 * ZoDi stage 1: every labelled source image moved to the domain a prompt names, its layout kept
 * by a ControlNet on its label map and by stochastic inversion. For each image x with label y:
 * z₀ = E(x); the first kept DDIM timestep t (the last floor(S·steps) of the schedule are kept,
 * diffusers' img2img); z_t = noise(z₀, ε); ε̂ = ε_θ(z_t, t, prompt, ControlNet(y)) — one
 * conditional call; z'_t = noise(z₀, ε̂); DDIM (eta, classifier-free guidance with the negative
 * prompt, the ControlNet on both halves) from z'_t; decode; resize back to the source size.
 *
 * <p>Output: {@code OUT/images/ID.png} and {@code OUT/labels/ID.png} (the source label, copied),
 * named by the source image's id, so the pair is found by name whatever order a folder is listed
 * in; {@code OUT/manifest.jsonl} holds every parameter and generator per image. Image i's noise
 * comes from the generator ("zodi image:ID") of the run seed, images are denoised in fixed
 * batches of the id-sorted list (a batch with a missing image is denoised whole again), so a
 * rerun that skips finished images writes the same bytes; another batch size is another
 * configuration (batched kernels differ in the last bits).
 */
public final class ZodiTransfer {
    /** One manifest line. */
    public record Item(String id, String image, String label, String source, String prompt, String negativePrompt, String mode,
                       double strength, int startTimestep, int denoisingSteps, int steps, double eta, double guidance,
                       double controlScale, String labelColors, long seed, String generator) {}

    private ZodiTransfer() {}

    /** The first timestep of a run at {@code strength} and the number of steps denoised from it. */
    public static int[] start(Scheduler s, int steps, double strength) {
        int[] tail = DiffusionSampler.img2imgTimesteps(s, steps, strength);
        return new int[] {tail.length == 0 ? -1 : tail[0], tail.length};
    }

    /** The dataset's indices in id order (the order images are batched and judged in, whatever the listing). */
    public static List<Integer> byId(Dataset d) {
        return org.diffuda.data.Datasets.byId(d);
    }

    /** The file stem an id is written under ('/' of ACDC's "night/GOPR…" ids becomes "__"). */
    public static String fileStem(String id) {
        return id.replace("/", "__");
    }

    /** The generator of one image: derived from the run seed and the image's id, not its position. */
    public static Generator generator(long seed, String id) {
        return Generator.of(seed, "zodi image:" + id);
    }

    /**
     * The library call: images (N, 3, h, w) in [0, 1] at the pipeline's size and their condition
     * images (N, C, h, w) → transferred images (N, 3, h, w). {@code controlnet} may be null for
     * the modes that do not use one.
     */
    public static NDArray transfer(PipelineFolder.StableDiffusion p, ControlNetModel controlnet, NDArray images, NDArray condition,
                                   ZodiConfig c, Generator generator, NDManager m) {
        if (!c.denoises()) {
            return LatentCodec.decode(p.vae(), LatentCodec.encode(p.vae(), images, null)).clip(0, 1);
        }
        int n = (int) images.getShape().get(0);
        List<String> prompts = java.util.Collections.nCopies(n, c.fullPrompt());
        Conditioning[] cu = TextToImage.encode(p, prompts, c.negativePrompt() == null ? null : List.of(c.negativePrompt()), m);
        DdimScheduler s = new DdimScheduler(p.scheduler().withClassName("DDIMScheduler")).eta(c.eta());
        int[] tail = DiffusionSampler.img2imgTimesteps(s, c.steps(), c.strength());
        NDArray z0 = LatentCodec.encode(p.vae(), images, null);
        DiffusionSampler.Control control = c.usesControlNet() ? new DiffusionSampler.Control(controlnet, condition, c.controlScale()) : null;
        NDArray zt;
        if (c.inverts()) {
            zt = Inversion.stochastic(p.unet(), s.noise(), z0, tail[0], cu[0], control, generator);
        } else {
            zt = s.noise().addNoise(z0, generator.randn(m, z0.getShape()), tail[0]);
        }
        DiffusionSampler.Options o = DiffusionSampler.Options.of(c.steps()).withGuidance(c.guidance()).withGenerator(generator)
                .withControl(control);
        NDArray z = DiffusionSampler.loop(p.unet(), s, zt, tail, cu[0], cu[1], o, SamplingHook.NONE);
        return LatentCodec.decode(p.vae(), z).clip(0, 1);
    }

    /** How labels enter this ControlNet: the configured colours, or by its input channels. */
    public static String labelInput(ZodiConfig c, ControlNetModel cn) {
        return labelInput(c, cn == null ? null : LayoutCondition.channels(cn.config()));
    }

    /**
     * The models a transfer loads: a text-to-image pipeline folder (diffusers layout), optionally a
     * U-Net of the same architecture in place of its own (diffusers' {@code unet=} component
     * override: a fine-tuned U-Net with the pipeline's VAE, text encoder and scheduler; null: the
     * pipeline's), and the seg ControlNet (null for the modes without one).
     */
    public record Models(Path pipeline, String variant, Path unet, Path controlnet) {
        public static Models of(Path pipeline, Path controlnet) {
            return new Models(pipeline, null, null, controlnet);
        }

        /** From the configs alone, before anything is written: the U-Net must fit the pipeline. */
        public void check() {
            if (unet == null) {
                return;
            }
            Path d = PipelineFolder.unetDir(unet);
            if (d == null) {
                throw new DiffudaException("--unet " + unet + ": neither a U-Net folder (config.json) nor a pipeline with unet/");
            }
            try {
                PipelineFolder.swapConfig(d, PipelineFolder.config(pipeline.resolve("unet"),
                        org.diffuda.diffusion.models.UNet2DConditionConfig.class));
            } catch (org.diffuda.data.DataException e) {
                throw new DiffudaException("--unet " + unet + ": " + e.what(), e); // the option names the folder, as a user gave it
            }
        }

        public PipelineFolder.StableDiffusion load(NDManager m) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(pipeline, m, variant);
            return unet == null ? p : p.withUnet(PipelineFolder.loadUNet(unet, m, variant, p.unet().config()));
        }

        /** What decides a run's content, for its guard: absolute paths; the U-Net only when swapped (older records stay valid). */
        public void record(Map<String, Object> cfg, String pipelineKey, boolean withControlNet) {
            cfg.put(pipelineKey, pipeline.toAbsolutePath().normalize().toString());
            if (unet != null) {
                cfg.put("unet", unet.toAbsolutePath().normalize().toString());
            }
            cfg.put("controlnet", withControlNet && controlnet != null ? controlnet.toAbsolutePath().normalize().toString() : null);
        }
    }

    /** The same from a ControlNet folder's config alone (checked before anything is written). */
    public static String labelInput(ZodiConfig c, Path controlnetDir) {
        return labelInput(c, controlnetDir == null ? null
                : LayoutCondition.channels(PipelineFolder.config(controlnetDir, org.diffuda.diffusion.models.UNet2DConditionConfig.class)));
    }

    private static String labelInput(ZodiConfig c, Integer channels) {
        if (c.labelColors() != null) {
            String m = LayoutCondition.check(c.labelColors());
            if (channels != null && LayoutCondition.channels(m) != channels) {
                throw new DiffudaException("--label-colors " + c.labelColors() + ": gives " + LayoutCondition.channels(m)
                        + " channels, the ControlNet takes " + channels);
            }
            return m;
        }
        if (channels == null) {
            return "cityscapes-colors";
        }
        return LayoutCondition.forChannels(channels);
    }

    /**
     * Transfers every image of {@code source} (the first {@code limit} by id when limit &gt; 0)
     * not yet in {@code out}; returns how many were written by this call.
     */
    public static int run(Models models, Dataset source, ZodiConfig c, Path out, long seed, int limit, BadInput bad) {
        c.check();
        models.check();
        Path pipeline = models.pipeline(), controlnetDir = models.controlnet();
        if (!source.labelled()) {
            throw new DiffudaException("--data " + source.name() + ": has no labels; ZoDi keeps the source labels for the transferred images");
        }
        if (c.usesControlNet() && controlnetDir == null) {
            throw new DiffudaException("--controlnet: mode " + c.mode() + " needs a ControlNet folder (controlnet train writes OUT/controlnet)");
        }
        if (controlnetDir != null && c.usesControlNet() && !Files.isRegularFile(controlnetDir.resolve("config.json"))) {
            throw new DiffudaException("--controlnet " + controlnetDir + ": no config.json (expected a diffusers ControlNet folder)");
        }
        String labelInput = labelInput(c, c.usesControlNet() ? controlnetDir : null);
        List<Integer> order = byId(source);
        if (limit > 0 && limit < order.size()) {
            order = new ArrayList<>(order.subList(0, limit));
        }
        try (RunLock lock = RunLock.acquire(out, "--out"); NDManager m = Engines.engine().newBaseManager()) {
            Path images = out.resolve("images"), labels = out.resolve("labels");
            Files.createDirectories(images);
            Files.createDirectories(labels);
            guard(out, models, source, c, seed, limit);
            java.util.Set<String> finished = AtomicFiles.completeFiles(images, ".png");
            int todo = 0;
            for (int i : order) {
                todo += finished.contains(fileStem(source.id(i)) + ".png") ? 0 : 1;
            }
            int made = 0;
            PipelineFolder.StableDiffusion p = todo == 0 ? null : models.load(m);
            ControlNetModel cn = todo == 0 || !c.usesControlNet() ? null : PipelineFolder.loadControlNet(controlnetDir, m, models.variant());
            int[] size = p == null ? null : TextToImage.imageSize(p);
            List<Item> items = new ArrayList<>();
            int[] st = !c.denoises() ? new int[] {-1, 0} : start(new DdimScheduler(PipelineFolder.config(pipeline.resolve("scheduler"), "scheduler_config.json",
                    org.diffuda.diffusion.schedulers.SchedulerConfig.class).withClassName("DDIMScheduler")), c.steps(), c.strength());
            try (Progress progress = new Progress("transfer " + c.mode(), order.size(), order.size() - todo)) {
                for (int first = 0; first < order.size(); first += c.batch()) {
                    List<Integer> batch = order.subList(first, Math.min(order.size(), first + c.batch()));
                    boolean missing = false;
                    for (int i : batch) {
                        missing |= !finished.contains(fileStem(source.id(i)) + ".png");
                    }
                    List<Sample> samples = new ArrayList<>();
                    for (int i : batch) {
                        if (!missing) {
                            break;
                        }
                        try {
                            samples.add(source.load(i));
                        } catch (DataException e) {
                            bad.report(e); // the whole fixed batch is redone on a rerun, so a bad image shifts nothing but itself
                        }
                    }
                    if (missing && !samples.isEmpty()) {
                        made += transferBatch(p, cn, samples, c, labelInput, size, seed, images, labels, finished, progress, m);
                    }
                    for (int i : batch) {
                        String id = source.id(i), stem = fileStem(id);
                        if (Files.isRegularFile(images.resolve(stem + ".png"))) {
                            items.add(new Item(id, "images/" + stem + ".png", "labels/" + stem + ".png", source.name(), c.fullPrompt(),
                                    c.negativePrompt(), c.mode(), c.strength(), st[0], st[1], c.steps(), c.eta(), c.guidance(),
                                    c.usesControlNet() ? c.controlScale() : 0, c.usesControlNet() ? labelInput : null, seed,
                                    "zodi image:" + id));
                        }
                    }
                }
            }
            AtomicFiles.writeJsonLines(out.resolve("manifest.jsonl"), items);
            return made;
        } catch (java.io.IOException e) {
            throw new DiffudaException(out + ": " + AtomicFiles.ioReason(e), e);
        }
    }

    private static int transferBatch(PipelineFolder.StableDiffusion p, ControlNetModel cn, List<Sample> samples, ZodiConfig c,
                                     String labelInput, int[] size, long seed, Path images, Path labels, java.util.Set<String> finished,
                                     Progress progress, NDManager root) {
        if (c.sourceSize()) {
            size = new int[] {samples.get(0).height() / 8 * 8, samples.get(0).width() / 8 * 8};
        }
        try (NDManager m = root.newSubManager()) {
            List<NDArray> full = new ArrayList<>(), xs = new ArrayList<>(), cs = new ArrayList<>();
            List<Generator> gens = new ArrayList<>();
            for (Sample s : samples) {
                NDArray x = Tensors.create(m, s.image(), new Shape(1, 3, s.height(), s.width()));
                full.add(x);
                xs.add(Ops.resize(x, size[0], size[1], Ops.BILINEAR_AA));
                NDArray y = Tensors.create(m, s.label(), new Shape(1, s.height(), s.width()), DataType.INT64);
                // the condition image is made at the label's resolution, then resized bilinearly (as ZoDi resizes its colour map)
                cs.add(Ops.resize(LayoutCondition.encode(y, labelInput), size[0], size[1], Ops.BILINEAR));
                gens.add(generator(seed, s.id()));
            }
            NDArray x = NDArrays.concat(new NDList(xs), 0), cond = NDArrays.concat(new NDList(cs), 0);
            NDArray out = transfer(p, cn, x, cond, c, Generator.perItem(gens), m);
            int made = 0;
            for (int k = 0; k < samples.size(); k++) {
                Sample s = samples.get(k);
                String stem = fileStem(s.id());
                if (finished.contains(stem + ".png")) {
                    continue;
                }
                NDArray back = upsample(out.get(k).expandDims(0), full.get(k), xs.get(k), c.detail()).clip(0, 1);
                // label first, image last: an image on disk means its pair is complete
                Png.write(Png.labelImage(s.label(), s.height(), s.width()), labels.resolve(stem + ".png"));
                Png.write(Png.fromChw(back.toFloatArray(), s.height(), s.width()), images.resolve(stem + ".png"));
                finished.add(stem + ".png");
                progress.step("");
                made++;
            }
            return made;
        }
    }

    /**
     * A transfer made at the pipeline's size brought back to its source's size (1, 3, H, W):
     * bilinearly, and with {@code detail} "source" plus the band of the source the pipeline never
     * saw, {@code source − up(seen)}, where {@code seen} is the resized source it was fed.
     */
    public static NDArray upsample(NDArray transferred, NDArray source, NDArray seen, String detail) {
        long h = source.getShape().get(2), w = source.getShape().get(3);
        NDArray back = Ops.resize(transferred, h, w, Ops.BILINEAR);
        if (!detail.equals("source") || seen.getShape().equals(source.getShape())) {
            return back;
        }
        return back.add(source.sub(Ops.resize(seen, h, w, Ops.BILINEAR)));
    }

    /** An output folder holds one configuration's images: another configuration is refused. */
    private static void guard(Path out, Models models, Dataset source, ZodiConfig c, long seed, int limit)
            throws java.io.IOException {
        Map<String, Object> cfg = new LinkedHashMap<>();
        models.record(cfg, "pipeline", c.usesControlNet());
        cfg.put("source", source.name());
        cfg.put("transfer", c); // the batch too: batched kernels change the last bits, and a resume must give the same bytes
        cfg.put("seed", seed);
        cfg.put("limit", limit);
        Checkpoint.guard(out, "transfer.json", cfg, "images");
    }

}
