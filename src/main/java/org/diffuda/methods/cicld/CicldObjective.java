package org.diffuda.methods.cicld;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.Cicld;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.training.Trainer;
import org.diffuda.uda.SelfTraining;
import org.diffuda.uda.Teacher;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Generator;

/**
 * CICLD's iteration on the UDA engine's batch (source x^s y^s, target x^t, ClassMix x^{s+t} with
 * y^{s+t} from the EMA student's pseudo-labels):
 * <ol>
 *   <li>L_cls: CE of the trained ("teacher") model on source and mixed, each conditioned on its own label map;</li>
 *   <li>L_dif: ε-MSE of the U-Net at a random timestep on the (detached) latents of source, mixed and target;</li>
 *   <li>L_adv for the model: the discriminator's output on the U-Net encoder features of every denoising step
 *       pushed to the uniform distribution (3-class) or target made to look like source (2-class);</li>
 *   <li>one step of the model's optimiser; then the discriminator's CE on the same features, detached, and one
 *       step of its own optimiser (its gradients from the model's loss are dropped first).</li>
 * </ol>
 * The engine's EMA (α = 0.999) is CICLD's student: it makes the pseudo-labels and is the model evaluated.
 */
public final class CicldObjective implements SelfTraining.Objective {
    private final Cicld model;
    private final Teacher ema;
    private final CicldConfig cfg;
    private final UdaConfig uda;
    private final Discriminator disc;
    private final long seed;
    private Optimizer discOpt;
    private Segmenter inference; // the test-time rule over (EMA student, trained model): built once, used every iteration

    public CicldObjective(Segmenter student, Teacher teacher, UdaConfig uda, CicldConfig cfg, long seed) {
        if (!(student instanceof Cicld c) || !(teacher.model() instanceof Cicld)) {
            throw new DiffudaException("adapt cicld: the segmenter must be --model cicld, not " + student.config().arch());
        }
        this.model = c;
        this.ema = teacher;
        this.cfg = cfg.check();
        this.uda = uda;
        this.seed = seed;
        NDManager m = ParamNames.of(student).values().iterator().next().getArray().getManager();
        this.disc = cfg.adversarial().equals("none") ? null
                : new Discriminator(c.midChannels(), cfg.discHidden(), cfg.classes()).init(m, Generator.of(seed, "init:discriminator"));
    }

    public static SelfTraining.ObjectiveFactory factory(CicldConfig cfg) {
        return (student, teacher, uda, seed) -> new CicldObjective(student, teacher, uda, cfg, seed);
    }

    public Discriminator discriminator() {
        return disc;
    }

    @Override
    public String name() {
        return "cicld";
    }

    @Override
    public void register(Trainer trainer) {
        if (disc == null) {
            return;
        }
        TrainConfig t = uda.train();
        discOpt = Optimizer.adamw(ParamNames.trainable(disc), 0.9, 0.999, 0);
        trainer.module("discriminator", disc, null)
                .group("discriminator", discOpt, new LrSchedule(t.lr(), t.power(), 0, t.iterations(), t.warmupIters(), 1e-6));
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("objective", cfg);
        return m;
    }

    @Override
    public NDArray probabilities(Teacher teacher, NDArray xt) {
        return inference(model, teacher).logits(xt, false).softmax(1);
    }

    @Override
    public Segmenter inference(Segmenter student, Teacher teacher) {
        if (inference == null) {
            inference = new CicldInference((Cicld) teacher.model(), cfg.testCondition().equals("teacher") ? (Cicld) student : null);
        }
        return inference;
    }

    /** c for each example, zeroed (unconditioned) with probability cond_drop. */
    private NDArray condition(NDArray labels, java.util.Random rnd) {
        NDArray c = model.condition(labels, true);
        long n = c.getShape().get(0);
        float[] keep = new float[(int) n];
        for (int i = 0; i < n; i++) {
            keep[i] = rnd.nextDouble() < cfg.condDrop() ? 0f : 1f;
        }
        return c.mul(Tensors.create(c.getManager(), keep, new Shape(n, 1)));
    }

    @Override
    public Map<String, Double> losses(Trainer.Iteration it, SelfTraining.UdaBatch b) {
        java.util.Random drop = it.generator("cicld condition drop").random();
        NDArray[][] dbatch = new NDArray[1][];
        double[] parts = new double[5];
        double loss = it.backward(() -> {
            NDArray cs = condition(b.ys(), drop), cm = condition(b.ym(), drop), ct = condition(b.pseudo().labels(), drop);
            Cicld.Pass ps = model.forward(b.xs(), cs, it.generator("cicld noise:source"), true);
            Cicld.Pass pm = model.forward(b.xm(), cm, it.generator("cicld noise:mixed"), true);
            NDArray ceS = Losses.crossEntropy(ps.logits(), b.ys(), null);
            NDArray ceM = Losses.crossEntropy(pm.logits(), b.ym(), b.wm());
            NDArray zt = model.encode(b.xt(), true)[model.cicldConfig().encoderChannels().size()];
            List<NDArray> ft = new ArrayList<>();
            if (disc != null) {
                model.denoise(zt, ct, it.generator("cicld noise:target"), ft, true);
            }
            NDArray dif = diffusionLoss(it, new NDList(ps.z0(), pm.z0(), zt), new NDList(cs, cm, ct));
            NDArray total = ceS.add(ceM).add(Tensors.mul(dif, cfg.difWeight()));
            parts[0] = ceS.getFloat();
            parts[1] = ceM.getFloat();
            parts[2] = dif.getFloat();
            if (disc != null) {
                NDArray fs = NDArrays.concat(new NDList(ps.unetFeatures()), 0), fm = NDArrays.concat(new NDList(pm.unetFeatures()), 0),
                        ftt = NDArrays.concat(new NDList(ft), 0);
                NDArray adv;
                adv = cfg.classes() == 3
                        ? Discriminator.klToUniform(disc.apply(NDArrays.concat(new NDList(fs, fm, ftt), 0), true))
                        : Losses.crossEntropy(disc.apply(ftt, true), Discriminator.labels(ftt, ftt.getShape().get(0), 0), null);
                dbatch[0] = discriminatorBatch(fs, fm, ftt, cfg.classes());
                parts[3] = adv.getFloat();
                total = total.add(Tensors.mul(adv, cfg.advWeight()));
            }
            return total;
        });
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", loss);
        out.put("loss_source", parts[0]);
        out.put("loss_mixed", parts[1]);
        out.put("loss_dif", parts[2]);
        out.put("confident", b.pseudo().confident());
        it.update("model");
        if (disc != null) {
            discOpt.zeroGradients(); // the model's adversarial term reached f_dis too; only its own CE trains it
            NDArray f = dbatch[0][0], y = dbatch[0][1];
            double[] acc = new double[2];
            double dl = it.backward("dropout:discriminator", () -> {
                NDArray logits = disc.apply(f, true);
                acc[0] = Discriminator.accuracy(logits, y);
                acc[1] = Discriminator.klToUniform(logits).getFloat();
                return Losses.crossEntropy(logits, y, null);
            });
            it.update("discriminator");
            out.put("loss_adv", parts[3]);
            out.put("loss_disc", dl);
            out.put("disc_acc", acc[0]);
            out.put("kl_uniform", acc[1]);
        }
        return out;
    }

    /**
     * The discriminator's batch, detached from the model: 3-class — source features labelled 0, mixed 1,
     * target 2; 2-class — source 0, target 1 (the mixed features left out). Returns {features, labels}.
     */
    public static NDArray[] discriminatorBatch(NDArray fs, NDArray fm, NDArray ft, int classes) {
        List<NDArray> f = new ArrayList<>(), y = new ArrayList<>();
        NDArray[] parts = classes == 3 ? new NDArray[] {fs, fm, ft} : new NDArray[] {fs, ft};
        for (int d = 0; d < parts.length; d++) {
            f.add(parts[d].stopGradient());
            y.add(Discriminator.labels(parts[d], parts[d].getShape().get(0), d));
        }
        return new NDArray[] {NDArrays.concat(new NDList(f), 0), NDArrays.concat(new NDList(y), 0)};
    }

    /** L_dif: ‖ε − ε_θ(√ᾱ_t z + √(1−ᾱ_t) ε, t | c)‖² at t uniform per example, on latents detached from E. */
    private NDArray diffusionLoss(Trainer.Iteration it, NDList latents, NDList conds) {
        NDArray z = NDArrays.concat(latents, 0).stopGradient();
        NDArray c = NDArrays.concat(conds, 0);
        int n = (int) z.getShape().get(0);
        int steps = model.scheduler().config().numTrainTimesteps();
        java.util.Random r = it.generator("cicld timesteps").random();
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(steps);
        }
        NDArray eps = it.generator("cicld noise:dif").randn(z.getManager(), z.getShape());
        NDArray zt = model.scheduler().noise().addNoise(z, eps, t);
        NDArray pred = model.epsilon(zt, t, c, null, true);
        return pred.sub(eps).square().mean();
    }

    @Override
    public Map<String, Object> summary(Trainer.Result training) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (disc == null) {
            return m;
        }
        List<Trainer.Record> h = training.history();
        int from = (int) Math.floor(h.size() * 0.9);
        double acc = 0, kl = 0;
        int n = 0;
        for (Trainer.Record r : h.subList(from, h.size())) {
            if (r.losses().containsKey("disc_acc")) {
                acc += r.losses().get("disc_acc");
                kl += r.losses().get("kl_uniform");
                n++;
            }
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("game", cfg.adversarial());
        a.put("chance_accuracy", 1.0 / cfg.classes());
        a.put("disc_acc_last_tenth", n == 0 ? null : acc / n);
        a.put("kl_uniform_last_tenth", n == 0 ? null : kl / n);
        boolean wins = n > 0 && acc / n >= cfg.winAccuracy();
        a.put("discriminator_wins", wins);
        a.put("verdict", wins ? "the discriminator won outright: it tells the domains apart on "
                + String.format("%.0f%%", 100 * acc / n) + " of the features over the last tenth; the alignment term carried no signal"
                : "no outright win: accuracy " + (n == 0 ? "-" : String.format("%.0f%%", 100 * acc / n)) + " over the last tenth (chance "
                + String.format("%.0f%%", 100.0 / cfg.classes()) + ")");
        m.put("adversarial", a);
        if (wins) {
            System.err.println("cicld: " + a.get("verdict"));
        }
        return m;
    }
}
