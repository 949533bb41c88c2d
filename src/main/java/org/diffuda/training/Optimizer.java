package org.diffuda.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;
import org.diffuda.nn.Tensors;

/**
 * SGD with momentum and AdamW, torch semantics, with per-parameter learning-rate multipliers
 * (DAFormer's 10× head) and weight-decay exclusions (norms). The state (momentum buffers, Adam
 * moments, step) is saved in checkpoints so a resumed run continues exactly.
 */
public final class Optimizer {
    public enum Kind { SGD, ADAMW }

    private final Kind kind;
    private final double momentum;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, Parameter> params;
    private final Map<String, Double> lrMult = new LinkedHashMap<>();
    private final Map<String, Boolean> decay = new LinkedHashMap<>();
    private final Map<String, NDArray> m1 = new LinkedHashMap<>();
    private final Map<String, NDArray> m2 = new LinkedHashMap<>();
    private long step;
    private long skipped;
    private double clipNorm;

    private Optimizer(Kind kind, Map<String, Parameter> params, double momentum, double beta1, double beta2,
                      double eps, double weightDecay) {
        this.kind = kind;
        this.params = params;
        this.momentum = momentum;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (String k : params.keySet()) {
            lrMult.put(k, 1.0);
            decay.put(k, true);
        }
    }

    public static Optimizer sgd(Map<String, Parameter> params, double momentum, double weightDecay) {
        return new Optimizer(Kind.SGD, params, momentum, 0, 0, 0, weightDecay);
    }

    public static Optimizer adamw(Map<String, Parameter> params, double beta1, double beta2, double weightDecay) {
        return new Optimizer(Kind.ADAMW, params, 0, beta1, beta2, 1e-8, weightDecay);
    }

    /** Multiplies the learning rate of the matching parameters (e.g. the decode head by 10). */
    public Optimizer lrMultiplier(Predicate<String> which, double mult) {
        lrMult.replaceAll((k, v) -> which.test(k) ? mult : v);
        return this;
    }

    /** Turns weight decay off for the matching parameters (norm layers, biases). */
    public Optimizer noDecay(Predicate<String> which) {
        decay.replaceAll((k, v) -> which.test(k) ? Boolean.FALSE : v);
        return this;
    }

    public Optimizer clipGradNorm(double maxNorm) {
        this.clipNorm = maxNorm;
        return this;
    }

    /** The parameters this optimiser updates, by name. */
    public Map<String, Parameter> parameters() {
        return params;
    }

    public long steps() {
        return step;
    }

    /**
     * Zeroes the parameters' gradient buffers. Trainers call it before their first step: a
     * backward pass run before training (SGG differentiates through the segmenter it will then
     * fine-tune) leaves gradients there, and step() would apply them as part of the first batch's.
     */
    public void zeroGradients() {
        for (Parameter p : params.values()) {
            NDArray w = p.getArray();
            if (w.hasGradient()) {
                NDArray g = w.getGradient();
                // an in-place fill, not g − g (a stale inf would stay NaN) and not set(buffer), which
                // on this just-fetched, soon-closed handle crashed the JVM (SIGSEGV) after PTL stage 1
                Tensors.zero(g);
                g.close();
            }
        }
    }

    /**
     * One update from the gradients accumulated by backward(); zeroes them afterwards. Must run
     * outside a GradientCollector (torch's no-grad mode) so in-place updates are allowed.
     */
    public boolean step(double lr) {
        step++;
        NDManager any = params.values().iterator().next().getArray().getManager();
        try (NDManager sub = any.newSubManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray w = e.getValue().getArray();
                if (!w.hasGradient()) {
                    continue;
                }
                NDArray g = w.getGradient();
                g.attach(sub);
                grads.put(e.getKey(), g);
            }
            // one read for the whole step: Σ‖g‖² when clipping (the norm), else Σg (NaN/inf show through)
            ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
            for (NDArray g : grads.values()) {
                parts.add(tmp(sub, clipNorm > 0 ? g.square().sum() : g.sum()));
            }
            double total = grads.isEmpty() ? 0 : tmp(sub, ai.djl.ndarray.NDArrays.stack(parts)).sum().getFloat();
            double norm = clipNorm > 0 ? Math.sqrt(total) : total;
            if (!Double.isFinite(norm)) {
                // an overflow somewhere: applying it would poison the weights and the moments for good
                // (g − g would stay NaN where g is inf, so the gradient buffers are overwritten with zeros)
                grads.values().forEach(g -> Tensors.zero(g));
                step--;
                skipped++;
                return false;
            }
            double scale = 1;
            if (clipNorm > 0 && norm > clipNorm) {
                scale = clipNorm / (norm + 1e-6);
            }
            if (kind == Kind.ADAMW) {
                adamw(grads, lr, scale);
                return true;
            }
            for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                String k = e.getKey();
                NDArray w = params.get(k).getArray();
                NDArray g = tmp(sub, scale == 1 ? e.getValue().duplicate() : Tensors.mul(e.getValue(), scale));
                double rate = lr * lrMult.get(k);
                double wd = decay.get(k) ? weightDecay : 0;
                if (kind == Kind.SGD) {
                    if (wd > 0) {
                        g.addi(tmp(sub, Tensors.mul(w, wd)));
                    }
                    NDArray buf = m1.get(k);
                    if (momentum > 0) {
                        if (buf == null) {
                            buf = w.zerosLike();
                            m1.put(k, buf);
                        }
                        Tensors.muli(buf, momentum).addi(g);
                        w.subi(tmp(sub, Tensors.mul(buf, rate)));
                    } else {
                        w.subi(Tensors.muli(g, rate));
                    }
                }
                e.getValue().subi(e.getValue()); // zero the accumulated gradient in place
            }
        }
        return true;
    }

    /**
     * torch.optim.AdamW, one native call per tensor (DJL's fused adamUpdate, which also zeroes the
     * gradient): decoupled decay w ← w − lr·wd·w, moments, and w ← w − lr/bc₁ · m / (√(v/bc₂) + ε),
     * written as DJL's w ← w − lr' · m / (√v + ε') with lr' = lr·√bc₂/bc₁ and ε' = ε·√bc₂.
     */
    private void adamw(Map<String, NDArray> grads, double lr, double scale) {
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, NDArray> e : grads.entrySet()) {
            String k = e.getKey();
            NDArray w = params.get(k).getArray();
            NDArray m = m1.computeIfAbsent(k, x -> w.zerosLike());
            NDArray v = m2.computeIfAbsent(k, x -> w.zerosLike());
            double rate = lr * lrMult.get(k);
            double wd = decay.get(k) ? weightDecay : 0;
            w.getNDArrayInternal().adamUpdate(new ai.djl.ndarray.NDList(w, e.getValue(), m, v), new ai.djl.ndarray.NDList(w),
                    (float) rate, (float) (rate * Math.sqrt(bc2) / bc1), (float) wd, (float) scale, -1f, (float) beta1,
                    (float) beta2, (float) (eps * Math.sqrt(bc2)), false, true);
        }
    }

    /** Steps skipped because the gradient norm was not finite. */
    public long skipped() {
        return skipped;
    }

    /** Results of ops on persistent arrays land in the model's manager; move them to the step's. */
    private static NDArray tmp(NDManager sub, NDArray a) {
        a.attach(sub);
        return a;
    }

    /** Optimizer state as named tensors for a checkpoint. */
    public Map<String, Safetensors.Tensor> state() {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        m1.forEach((k, v) -> out.put("m1." + k, StateDict.tensor(v)));
        m2.forEach((k, v) -> out.put("m2." + k, StateDict.tensor(v)));
        out.put("step", Safetensors.Tensor.f32(new float[] {step}, 1));
        return out;
    }

    public void loadState(Map<String, Safetensors.Tensor> state) {
        for (Map.Entry<String, Safetensors.Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) {
                step = (long) e.getValue().toFloats()[0];
                continue;
            }
            String name = key.substring(3);
            Parameter p = params.get(name);
            if (p == null) {
                continue;
            }
            NDArray w = p.getArray();
            NDArray a = Tensors.create(w.getManager(), e.getValue().toFloats(), w.getShape());
            (key.startsWith("m1.") ? m1 : m2).put(name, a);
        }
    }
}
