package org.diffuda.diffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.Denoiser;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.nn.Module;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Safetensors;
import org.diffuda.training.Checkpoint;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.Rng;

/**
 * Trains a pixel-space denoiser on images: x₀ in [−1, 1], t ~ U{0..T−1}, ε ~ N(0, I),
 * loss = ‖target − model(x_t, t)‖² with target ε (or v). Checkpoints hold the weights, the
 * optimiser, the EMA and the loss history; a rerun with the same directory resumes exactly.
 */
public final class DiffusionTrainer {
    public record Step(long iter, double loss, double seconds) {}

    public record State(long iteration, long seed, List<Step> history) {}

    public static final String EMA = "ema.safetensors";

    private final Module model;
    private final Denoiser denoiser;
    private final NoiseSchedule schedule;
    private final String prediction;
    private final DiffusionTrainConfig cfg;
    private final long seed;

    public <M extends Module & Denoiser> DiffusionTrainer(M model, NoiseSchedule schedule, String prediction,
                                                           DiffusionTrainConfig cfg, long seed) {
        this.model = model;
        this.denoiser = model;
        this.schedule = schedule;
        this.prediction = prediction;
        this.cfg = cfg;
        this.seed = seed;
    }

    public static Transforms.Transform pipeline(DiffusionTrainConfig c) {
        return Transforms.compose(List.of(Transforms.resize(c.height(), c.width()), Transforms.hflip(0.5)));
    }

    /** Trains (resuming from ckptDir when it holds a checkpoint); returns the loss history and the EMA. */
    public Ema train(List<Dataset> data, Path ckptDir, Object config, BadInput bad, long stopAfter, List<Step> historyOut) {
        try (TrainingData td = TrainingData.pixels(data, cfg, seed, bad)) {
            return train(td, null, ckptDir, config, stopAfter, historyOut);
        }
    }

    /**
     * The training loop. With a text encoder, the examples' tokens are encoded inside the
     * gradient tape and the encoder is trained jointly (its keys carry a "text_encoder." prefix
     * in the optimiser state); pass a frozen one by not making its parameters trainable.
     */
    public Ema train(TrainingData data, CLIPTextModel textEncoder, Path ckptDir, Object config, long stopAfter,
                     List<Step> historyOut) {
        var params = new java.util.LinkedHashMap<>(ParamNames.trainable(model));
        if (textEncoder != null) {
            ParamNames.trainable(textEncoder).forEach((k, p) -> params.put("text_encoder." + k, p));
        }
        Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, cfg.weightDecay()).clipGradNorm(cfg.clipNorm());
        LrSchedule lr = new LrSchedule(cfg.lr(), 0, cfg.lr(), cfg.iterations(), cfg.warmupIters(), 1e-3);
        Ema ema = new Ema(model, cfg.emaDecay());
        List<Step> history = new ArrayList<>();
        long start = 0;
        if (ckptDir != null && Checkpoint.exists(ckptDir)) {
            Checkpoint.loadWeights(ckptDir, model);
            if (textEncoder != null) {
                Checkpoint.loadWeights(ckptDir.resolve("text_encoder"), textEncoder);
            }
            Checkpoint.loadOptimizer(ckptDir, opt);
            ema.load(Safetensors.read(ckptDir.resolve(EMA)).tensors());
            State st = Json.readFile(ckptDir.resolve(Checkpoint.STATE), State.class);
            start = st.iteration();
            history.addAll(st.history());
        }
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        opt.zeroGradients();
        NDManager root = params.values().iterator().next().getArray().getManager();
        long t0 = System.nanoTime();
        int T = schedule.size();
        data.start(start);
        int badSteps = 0;
        try (Progress progress = new Progress("diffusion train", cfg.iterations(), start)) {
            for (long it = start; it < cfg.iterations(); it++) {
                double loss;
                try (NDManager sub = root.newSubManager()) {
                    TrainingData.Example ex = data.next(sub);
                    NDArray x0 = ex.x0();
                    int n = (int) x0.getShape().get(0);
                    Random r = Rng.random(seed, 0x71L, it);
                    int[] t = new int[n];
                    float[] tf = new float[n];
                    for (int i = 0; i < n; i++) {
                        t[i] = r.nextInt(T);
                        tf[i] = t[i];
                    }
                    Engines.seed(Rng.mix(seed, 0x72L, it));
                    NDArray eps = sub.randomNormal(x0.getShape());
                    NDArray xt = schedule.addNoise(x0, eps, t);
                    NDArray target = prediction.equals("v_prediction") ? schedule.velocity(x0, eps, t) : eps;
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        Conditioning cond = textEncoder == null || ex.tokens() == null ? Conditioning.NONE
                                : Conditioning.text(textEncoder.encode(sub, ex.tokens(), true));
                        NDArray pred = denoiser.predict(xt, tf, cond, true);
                        NDArray l = pred.sub(target).square().mean();
                        loss = l.getFloat();
                        if (Double.isFinite(loss)) {
                            gc.backward(l);
                        }
                    }
                    if (Double.isFinite(loss)) {
                        opt.step(lr.at(it));
                        badSteps = 0;
                    } else if (++badSteps >= 10) {
                        throw new org.diffuda.util.DiffudaException("diffusion training diverged: loss is not finite for 10 "
                                + "iterations in a row at iteration " + (it + 1) + "; lower the learning rate");
                    }
                }
                ema.update(model);
                history.add(new Step(it + 1, loss, (System.nanoTime() - t0) / 1e9));
                progress.step(String.format("loss %.4f", loss));
                boolean last = it + 1 == cfg.iterations(), stop = stopAfter > 0 && it + 1 - start >= stopAfter;
                if (ckptDir != null && (last || stop || (it + 1) % cfg.checkpointEvery() == 0)) {
                    save(ckptDir, config, opt, ema, textEncoder, new State(it + 1, seed, history));
                }
                if (stop) {
                    break;
                }
            }
        }
        params.values().forEach(p -> p.getArray().setRequiresGradient(false));
        if (historyOut != null) {
            historyOut.addAll(history);
        }
        return ema;
    }

    private void save(Path dir, Object config, Optimizer opt, Ema ema, CLIPTextModel textEncoder, State state) {
        Map<String, Safetensors.Tensor> emaState = ema.state();
        Map<String, Safetensors.Tensor> text = textEncoder == null ? null : org.diffuda.nn.StateDict.of(textEncoder);
        Map<String, Safetensors.Tensor> weights = org.diffuda.nn.StateDict.of(model);
        Map<String, Safetensors.Tensor> optState = opt.state();
        // one directory, renamed into place whole: weights, optimiser, EMA, text encoder, state agree
        org.diffuda.util.AtomicFiles.write(dir, tmp -> {
            Files.createDirectories(tmp);
            Files.writeString(tmp.resolve(Checkpoint.CONFIG), Json.write(config));
            Safetensors.write(tmp.resolve(Checkpoint.MODEL), weights, Map.of("format", "pt"));
            Safetensors.write(tmp.resolve(Checkpoint.OPTIMIZER), optState, Map.of());
            Safetensors.write(tmp.resolve(EMA), emaState, Map.of());
            if (text != null) {
                Files.createDirectories(tmp.resolve("text_encoder"));
                Files.writeString(tmp.resolve("text_encoder").resolve(Checkpoint.CONFIG), Json.write(textEncoder.config()));
                Safetensors.write(tmp.resolve("text_encoder").resolve(Checkpoint.MODEL), text, Map.of("format", "pt"));
            }
            Files.writeString(tmp.resolve(Checkpoint.STATE), Json.write(state));
        });
    }
}
