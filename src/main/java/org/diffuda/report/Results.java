package org.diffuda.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.segmentation.EvalResult;

/**
 * The one schema every method writes its table in, under {@code "results"} in its metrics.json,
 * for {@code diffuda leaderboard}: a row per (method, variant) with what it used of the target
 * domain, the seeds, mIoU19/16/13 mean ± sample std and per seed, wall time per seed.
 */
public final class Results {
    public static final String NO_TARGET = "no target data";
    public static final String PROMPT = "a prompt (no target image)";
    public static final String ONE_IMAGE = "one target image";
    public static final String ALL_TARGET_IMAGES = "all target images (unlabelled)";
    public static final String TARGET_LABELS = "target labels (oracle)";

    private Results() {}

    /** mean ± sample std of mIoU19/16/13 over runs (std 0 for one run; nulls skipped). */
    public static Map<String, Object> summary(List<EvalResult> evs) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<EvalResult> ok = evs.stream().filter(e -> e != null).toList();
        if (ok.isEmpty()) {
            return out;
        }
        for (String k : List.of("miou19", "miou16", "miou13")) {
            double[] v = ok.stream().mapToDouble(e -> k.equals("miou19") ? e.miou19() : k.equals("miou16") ? e.miou16() : e.miou13()).toArray();
            double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN), ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            out.put(k + "_mean", mean);
            out.put(k + "_std", v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0.0);
            out.put(k + "_values", v);
        }
        return out;
    }

    /** One leaderboard row: {@code perSeed} over {@code seeds}, evaluated on {@code val}. */
    public static Map<String, Object> row(String method, String row, String uses, String val, List<Long> seeds, List<EvalResult> perSeed,
                                          Double secondsPerSeed, long iterations) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("method", method);
        r.put("row", row);
        r.put("uses", uses);
        r.put("val", val);
        r.put("seeds", new ArrayList<>(seeds));
        r.putAll(summary(perSeed));
        r.put("seconds_per_seed", secondsPerSeed);
        r.put("iterations", iterations);
        return r;
    }

    /**
     * A method's table in the schema: every entry of {@code rows} (name → a summary holding
     * "per_seed" and optionally "seeds", "seconds_per_seed") becomes a row named by
     * {@code labels} (its key when absent), using what {@code uses} says of it.
     */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> of(String method, Map<String, Object> rows, Map<String, String> labels,
                                               java.util.function.Function<String, String> uses, String val, List<Long> seeds,
                                               long iterations) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : rows.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> r) || !(r.get("per_seed") instanceof List<?> per)) {
                continue;
            }
            List<Long> sd = r.get("seeds") instanceof List<?> l ? (List<Long>) l : seeds;
            String m = e.getKey().equals("source-only") ? "source-only" : method;
            out.add(row(m, labels.getOrDefault(e.getKey(), e.getKey()), uses.apply(e.getKey()), val, sd, (List<EvalResult>) per,
                    r.get("seconds_per_seed") instanceof Number n ? n.doubleValue() : null, iterations));
        }
        return out;
    }
}
