package org.diffuda.diffusion.training;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
import org.diffuda.training.Ema;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.training.Trainer;

/**
 * The denoising objective on the one {@link Trainer}: x₀ from the data, t ~ U{0..T−1},
 * ε ~ N(0, I), loss = ‖target − model(x_t, t, c)‖² with target ε (or v); AdamW, global-norm
 * clipping, EMA. With a text encoder its tokens are encoded inside the gradient tape and the
 * encoder trains jointly (its keys carry a "text_encoder." prefix in the optimiser state and it
 * is checkpointed in {@code text_encoder/}). Checkpoints hold weights, optimiser, EMA and the
 * loss history; a rerun with the same directory resumes exactly.
 */
public final class DiffusionTrainer {
    public static final String EMA = Trainer.EMA;

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

    /** Trains on images (resuming from ckptDir when it holds a checkpoint); returns the EMA. */
    public Ema train(List<Dataset> data, Path ckptDir, Object config, BadInput bad, long stopAfter, List<Trainer.Record> historyOut) {
        return train(TrainingData.pixels(data, cfg, seed, bad), null, ckptDir, config, stopAfter, historyOut);
    }

    /** Trains on any {@link TrainingData}, the text encoder (if any) jointly. */
    public Ema train(TrainingData data, CLIPTextModel textEncoder, Path ckptDir, Object config, long stopAfter,
                     List<Trainer.Record> historyOut) {
        return train(data, textEncoder, true, ckptDir, config, stopAfter, historyOut);
    }

    /**
     * Trains on any {@link TrainingData}. With {@code trainTextEncoder} false the text encoder only
     * encodes (frozen, as diffusers' train_text_to_image and DreamBooth without --train_text_encoder).
     * Returns the EMA of the weights, or null when the recipe's decay is 0: no EMA is kept then (as
     * diffusers' DreamBooth keeps none) and the model holds the trained weights — no shadow copy in
     * memory (3.4 GB for SD's U-Net) or in the checkpoints.
     */
    public Ema train(TrainingData data, CLIPTextModel textEncoder, boolean trainTextEncoder, Path ckptDir, Object config,
                     long stopAfter, List<Trainer.Record> historyOut) {
        var params = new LinkedHashMap<>(ParamNames.trainable(model));
        if (textEncoder != null && trainTextEncoder) {
            ParamNames.trainable(textEncoder).forEach((k, p) -> params.put("text_encoder." + k, p));
        }
        Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, cfg.weightDecay()).clipGradNorm(cfg.clipNorm());
        LrSchedule lr = new LrSchedule(cfg.lr(), 0, cfg.lr(), cfg.iterations(), cfg.warmupIters(), 1e-3);
        Ema ema = cfg.emaDecay() > 0 ? new Ema(model, cfg.emaDecay()) : null;
        Trainer trainer = new Trainer("diffusion train", cfg.iterations(), seed)
                .module("", model, null)
                .group("denoiser", opt, lr)
                .checkpoint(ckptDir, config, cfg.checkpointEvery())
                .stopAfter(stopAfter);
        if (ema != null) {
            trainer.ema(ema, model);
        }
        if (textEncoder != null && trainTextEncoder) {
            trainer.module("text_encoder", textEncoder, textEncoder.config());
        }
        Trainer.Result r = trainer.run(new Denoising(data, textEncoder, trainTextEncoder));
        if (historyOut != null) {
            historyOut.addAll(r.history());
        }
        return ema;
    }

    /** A batch noised for the ε-objective: per-item t ~ U{0..T−1}, ε ~ N(0, I), x_t. */
    public record Noised(int[] t, float[] tf, NDArray eps, NDArray xt) {}

    /** Draws this iteration's timesteps and noise ("timesteps", "noise" generators) and noises x₀. */
    public static Noised noised(Trainer.Iteration it, NoiseSchedule schedule, NDArray x0) {
        int n = (int) x0.getShape().get(0);
        Random r = it.generator("timesteps").random();
        int[] t = new int[n];
        float[] tf = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(schedule.size());
            tf[i] = t[i];
        }
        NDArray eps = it.generator("noise").randn(it.manager(), x0.getShape());
        return new Noised(t, tf, eps, schedule.addNoise(x0, eps, t));
    }

    /** One denoising iteration. */
    private final class Denoising implements Trainer.Step {
        private final TrainingData data;
        private final CLIPTextModel textEncoder;
        private final boolean trainText;

        Denoising(TrainingData data, CLIPTextModel textEncoder, boolean trainText) {
            this.data = data;
            this.textEncoder = textEncoder;
            this.trainText = trainText;
        }

        @Override
        public void start(long iteration) {
            data.start(iteration);
        }

        @Override
        public Map<String, Double> run(Trainer.Iteration it) {
            TrainingData.Example ex = data.next(it.manager());
            NDArray x0 = ex.x0();
            Noised z = noised(it, schedule, x0);
            NDArray eps = z.eps(), xt = z.xt();
            int[] t = z.t();
            float[] tf = z.tf();
            NDArray target = prediction.equals("v_prediction") ? schedule.velocity(x0, eps, t) : eps;
            double loss = it.backward(() -> {
                Conditioning cond = textEncoder == null || ex.tokens() == null ? Conditioning.NONE
                        : Conditioning.text(textEncoder.encode(it.manager(), ex.tokens(), trainText));
                NDArray err = denoiser.predict(xt, tf, cond, true).sub(target).square();
                int k = ex.instances();
                if (ex.priorWeight() <= 0 || k >= t.length) {
                    return err.mean();
                }
                // DreamBooth's prior preservation: instance MSE + weight · class MSE
                return err.get("0:" + k).mean().add(org.diffuda.nn.Tensors.mul(err.get(k + ":").mean(), (float) ex.priorWeight()));
            });
            return Map.of("loss", loss);
        }

        @Override
        public void close() {
            data.close();
        }
    }
}
