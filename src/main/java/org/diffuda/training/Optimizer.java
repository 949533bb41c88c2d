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

    /** Smaller buckets (tests: several buckets on a tiny model). */
    Optimizer bucketElements(long n) {
        this.bucketElements = n;
        this.buckets = null;
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
            if (kind == Kind.ADAMW) {
                return adamw(grads, lr, sub);
            }
            // one read for the whole step: Σ‖g‖² when clipping (the norm), else Σg (NaN/inf show through)
            ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
            for (NDArray g : grads.values()) {
                try (NDManager pm = sub.newSubManager()) { // one parameter's temporaries at a time
                    parts.add(tmp(sub, clipNorm > 0 ? tmp(pm, g.square()).sum() : g.sum()));
                }
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
            for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                String k = e.getKey();
                NDArray w = params.get(k).getArray();
                try (NDManager pm = sub.newSubManager()) { // one parameter's temporaries at a time
                    NDArray g = tmp(pm, scale == 1 ? e.getValue().duplicate() : Tensors.mul(e.getValue(), scale));
                    double rate = lr * lrMult.get(k);
                    double wd = decay.get(k) ? weightDecay : 0;
                    if (kind == Kind.SGD) {
                        if (wd > 0) {
                            g.addi(tmp(pm, Tensors.mul(w, wd)));
                        }
                        NDArray buf = m1.get(k);
                        if (momentum > 0) {
                            if (buf == null) {
                                buf = w.zerosLike();
                                m1.put(k, buf);
                            }
                            Tensors.muli(buf, momentum).addi(g);
                            w.subi(tmp(pm, Tensors.mul(buf, rate)));
                        } else {
                            w.subi(Tensors.muli(g, rate));
                        }
                    }
                }
                e.getValue().subi(e.getValue()); // zero the accumulated gradient in place
            }
        }
        return true;
    }

    /**
     * torch.optim.AdamW (decoupled decay w ← w − lr·wd·w, moments, w ← w − lr/bc₁ · m / (√(v/bc₂) + ε),
     * written as w ← w − lr·√bc₂/bc₁ · m / (√v + ε·√bc₂)) over flat buckets, as torch's multi-tensor
     * ("foreach") path does: the gradients of a bucket are concatenated once, the moments live in one
     * flat tensor per bucket (the per-parameter moments are views into it), and the update costs a
     * dozen native calls per bucket plus one in-place subtraction per parameter — instead of a
     * dozen per parameter, whose per-call overhead dominated small models' steps.
     */
    private boolean adamw(Map<String, NDArray> grads, double lr, NDManager sub) {
        java.util.List<String> keys = new java.util.ArrayList<>(grads.keySet());
        if (keys.isEmpty()) {
            return true;
        }
        if (buckets == null || !bucketKeys.equals(keys)) {
            buildBuckets(keys);
        }
        // Each bucket's temporaries live in a scope of their own, closed when the bucket is done, so a
        // step holds a few bucket-sized copies at a time, not a few copies of the model (SD's U-Net's
        // first step was killed at 24 GB; now 18 GB, moments included). With one bucket, its flat
        // gradient is kept for the second pass; with several, it is concatenated again there (a
        // copy, instead of holding them all).
        boolean keep = buckets.size() == 1;
        NDArray kept = null;
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        for (Bucket b : buckets) {
            try (NDManager bm = sub.newSubManager()) {
                NDArray g = flatGradient(b, grads, bm);
                // one read for the whole step: Σ‖g‖² when clipping (the norm), else Σg (NaN/inf show through)
                parts.add(tmp(sub, clipNorm > 0 ? g.square().sum() : g.sum()));
                if (keep) {
                    kept = tmp(sub, g);
                }
            }
        }
        double total = tmp(sub, parts.size() == 1 ? parts.head() : ai.djl.ndarray.NDArrays.stack(parts).sum()).getFloat();
        double norm = clipNorm > 0 ? Math.sqrt(total) : total;
        if (!Double.isFinite(norm)) {
            grads.values().forEach(Tensors::zero);
            step--;
            skipped++;
            return false;
        }
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (Bucket b : buckets) {
            try (NDManager bm = sub.newSubManager()) {
                NDArray g = keep ? kept : flatGradient(b, grads, bm);
                if (scale != 1) {
                    Tensors.muli(g, scale);
                }
                // in place, no temporaries: m ← β₁(m − g) + g, then g ← g², v ← β₂(v − g²) + g²
                Tensors.muli(b.m.subi(g), beta1).addi(g);
                g.muli(g);
                Tensors.muli(b.v.subi(g), beta2).addi(g);
                NDArray denom = Tensors.addi(tmp(bm, b.v.sqrt()), eps * Math.sqrt(bc2));
                NDArray update = tmp(bm, b.m.div(denom));
                if (b.lrMult != null) {
                    update.muli(b.lrMult);
                }
                Tensors.muli(update, lr * Math.sqrt(bc2) / bc1);
                if (weightDecay > 0 && b.decayMult != null) {
                    ai.djl.ndarray.NDList ws = new ai.djl.ndarray.NDList();
                    for (String k : b.keys) {
                        ws.add(tmp(bm, params.get(k).getArray().reshape(-1)));
                    }
                    NDArray w = tmp(bm, b.keys.size() == 1 ? ws.head().duplicate() : ai.djl.ndarray.NDArrays.concat(ws));
                    if (b.decayMult.size() > 1) {
                        w.muli(b.decayMult);
                    }
                    update.addi(Tensors.muli(w, lr * weightDecay));
                }
                for (int i = 0; i < b.keys.size(); i++) {
                    NDArray w = params.get(b.keys.get(i)).getArray();
                    w.subi(tmp(bm, update.get(new ai.djl.ndarray.index.NDIndex().addSliceDim(b.offsets[i], b.offsets[i + 1]))
                            .reshape(w.getShape())));
                }
            }
        }
        grads.values().forEach(Tensors::zero);
        return true;
    }

    /** A bucket's gradients as one flat copy, in {@code scope}. */
    private static NDArray flatGradient(Bucket b, Map<String, NDArray> grads, NDManager scope) {
        ai.djl.ndarray.NDList gs = new ai.djl.ndarray.NDList();
        for (String k : b.keys) {
            gs.add(tmp(scope, grads.get(k).reshape(-1)));
        }
        return tmp(scope, b.keys.size() == 1 ? gs.head().duplicate() : ai.djl.ndarray.NDArrays.concat(gs));
    }

    /** Parameters stepped together: flat moments, per-element lr multipliers and decay masks (null when all 1). */
    private static final class Bucket {
        final java.util.List<String> keys = new java.util.ArrayList<>();
        long[] offsets;
        NDArray m;
        NDArray v;
        NDArray lrMult;
        NDArray decayMult; // one element (1) when every parameter decays at the base rate
    }

    /** Elements per bucket: bounds a step's transient copies (gradients, weights, update) at a few × 64 MB. */
    private long bucketElements = 1L << 24;

    private java.util.List<Bucket> buckets;
    private java.util.List<String> bucketKeys = java.util.List.of();

    /** (Re)groups the parameters that have gradients; moments so far (fresh, loaded or from older buckets) move in. */
    private void buildBuckets(java.util.List<String> keys) {
        buildBuckets(keys, Map.of(), Map.of());
    }

    /** As above; a moment neither held nor in {@code m} / {@code v} (loaded, read on demand) starts at zero. */
    private void buildBuckets(java.util.List<String> keys, Map<String, Safetensors.Tensor> m, Map<String, Safetensors.Tensor> v) {
        java.util.List<Bucket> out = new java.util.ArrayList<>();
        Bucket cur = null;
        long size = 0;
        for (String k : keys) {
            long n = params.get(k).getArray().size();
            if (cur == null || (size + n > bucketElements && !cur.keys.isEmpty())) {
                cur = new Bucket();
                out.add(cur);
                size = 0;
            }
            cur.keys.add(k);
            size += n;
        }
        for (Bucket b : out) {
            NDManager home = params.get(b.keys.get(0)).getArray().getManager();
            b.offsets = new long[b.keys.size() + 1];
            float[] mult = null, dec = null;
            long total = 0;
            for (int i = 0; i < b.keys.size(); i++) {
                total += params.get(b.keys.get(i)).getArray().size();
                b.offsets[i + 1] = total;
            }
            boolean allOne = b.keys.stream().allMatch(k -> lrMult.get(k) == 1.0);
            boolean allDecay = allOne && b.keys.stream().allMatch(decay::get);
            boolean noneDecay = b.keys.stream().noneMatch(decay::get);
            if (!allOne || !(allDecay || noneDecay)) {
                mult = new float[(int) total];
                dec = new float[(int) total];
                for (int i = 0; i < b.keys.size(); i++) {
                    String k = b.keys.get(i);
                    java.util.Arrays.fill(mult, (int) b.offsets[i], (int) b.offsets[i + 1], (float) (double) lrMult.get(k));
                    java.util.Arrays.fill(dec, (int) b.offsets[i], (int) b.offsets[i + 1], decay.get(k) ? (float) (double) lrMult.get(k) : 0f);
                }
            }
            b.lrMult = allOne ? null : Tensors.create(home, mult);
            b.decayMult = noneDecay ? null : allDecay ? Tensors.create(home, new float[] {1f}) : Tensors.create(home, dec);
            b.m = gather(b, m1, m, home, total);
            b.v = gather(b, m2, v, home, total);
        }
        if (buckets != null) {
            for (Bucket b : buckets) {
                for (NDArray a : new NDArray[] {b.lrMult, b.decayMult, b.m, b.v}) {
                    if (a != null) {
                        a.close();
                    }
                }
            }
        }
        buckets = out;
        bucketKeys = java.util.List.copyOf(keys);
    }

    /** One flat moment tensor for a bucket from the per-parameter ones (zeros where none); the map then holds views. */
    private NDArray gather(Bucket b, Map<String, NDArray> moments, Map<String, Safetensors.Tensor> loaded, NDManager home, long total) {
        NDArray flat = home.zeros(new ai.djl.ndarray.types.Shape(total));
        for (int i = 0; i < b.keys.size(); i++) {
            String k = b.keys.get(i);
            NDArray view = flat.get(new ai.djl.ndarray.index.NDIndex().addSliceDim(b.offsets[i], b.offsets[i + 1]))
                    .reshape(params.get(k).getArray().getShape());
            NDArray old = moments.put(k, view);
            Safetensors.Tensor t = loaded.get(k);
            if (t != null) { // a restored state wins over what was held
                try (NDArray src = Tensors.create(home, t.toFloats(), view.getShape())) {
                    Tensors.copyInto(view, src);
                }
            } else if (old != null) {
                Tensors.copyInto(view, old);
            }
            if (old != null) {
                old.close();
            }
        }
        return flat;
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

    /** Optimizer state as named tensors for a checkpoint, copied as they are written (write before the next step). */
    public Map<String, Safetensors.Tensor> state() {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        m1.forEach((k, v) -> out.put("m1." + k, StateDict.deferred(v)));
        m2.forEach((k, v) -> out.put("m2." + k, StateDict.deferred(v)));
        out.put("step", Safetensors.Tensor.f32(new float[] {step}, 1));
        return out;
    }

    /**
     * Restores a checkpoint's state. AdamW's moments go straight into the flat buckets of the
     * parameters they belong to, one tensor at a time (read on demand from a lazily read file):
     * no per-parameter copies first, whose freed memory the allocator would keep (2 GB for SD's
     * U-Net). A first step whose parameters differ regroups them, as always.
     */
    public void loadState(Map<String, Safetensors.Tensor> state) {
        Map<String, Safetensors.Tensor> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        for (Map.Entry<String, Safetensors.Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) {
                step = (long) e.getValue().toFloats()[0];
                continue;
            }
            String name = key.substring(3);
            if (params.containsKey(name)) {
                (key.startsWith("m1.") ? first : second).put(name, e.getValue());
            }
        }
        if (kind == Kind.ADAMW) {
            java.util.List<String> keys = params.keySet().stream().filter(k -> first.containsKey(k) || second.containsKey(k)).toList();
            if (!keys.isEmpty()) {
                buildBuckets(keys, first, second);
            }
            return;
        }
        for (Map<String, Safetensors.Tensor> part : java.util.List.of(first, second)) {
            part.forEach((name, t) -> {
                NDArray w = params.get(name).getArray();
                NDArray old = (part == first ? m1 : m2).put(name, Tensors.create(w.getManager(), t.toFloats(), w.getShape()));
                if (old != null) {
                    old.close();
                }
            });
        }
    }
}
