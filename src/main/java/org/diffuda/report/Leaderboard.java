package org.diffuda.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;

/**
 * One ruler for every method: the {@code "results"} rows ({@link Results}) of finished runs'
 * metrics.json, merged — rows of the same method, name, validation set and iterations from several run
 * folders pool their seeds (a seed counted once) — and written as one table per validation set
 * (the set with the most rows first), best mIoU19 first, to leaderboard.md, leaderboard.json and leaderboard.html.
 */
public final class Leaderboard {
    /** The methods diffuda has, and the command that produces each one's rows on the embedded benchmark. */
    public static final Map<String, String> METHODS = new LinkedHashMap<>();

    static {
        METHODS.put("source-only", "bin/diffuda adapt cicld --seeds 0,1,2 (its source-only row; every method's table has one)");
        METHODS.put("daformer", "bin/diffuda adapt cicld --seeds 0,1,2 (its DAFormer row), or adapt daformer --seed S --out runs/daformer-sS");
        METHODS.put("sgg-ptl", "bin/diffuda adapt sgg-ptl --seed S --out runs/sgg-ptl-sS");
        METHODS.put("zodi", "bin/diffuda adapt zodi --target-condition night --seeds 0,1,2 --out runs/zodi-night");
        METHODS.put("datum", "bin/diffuda adapt datum --out runs/datum");
        METHODS.put("unet-swap", "bin/diffuda adapt unet-swap --seeds 0,1,2 --out runs/unet-swap");
        METHODS.put("cicld", "bin/diffuda adapt cicld --seeds 0,1,2 --out runs/cicld");
    }

    /** A merged row. */
    public record Row(String method, String row, String uses, String val, List<Long> seeds, double[] miou19, double[] miou16,
                      double[] miou13, Double secondsPerSeed, long iterations, List<String> from) {
        public double mean(double[] v) {
            return java.util.Arrays.stream(v).average().orElse(Double.NaN);
        }

        public double std(double[] v) {
            if (v.length < 2) {
                return 0;
            }
            double m = mean(v), ss = 0;
            for (double x : v) {
                ss += (x - m) * (x - m);
            }
            return Math.sqrt(ss / (v.length - 1));
        }

        String cell(double[] v) {
            if (v.length < 2) { // one seed has no spread to show
                return v.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f", v[0]);
            }
            return String.format(Locale.ROOT, "%.2f ± %.2f", mean(v), std(v));
        }
    }

    public record Board(List<Row> rows, List<String> missing, List<Path> read) {}

    private Leaderboard() {}

    /** The metrics.json files under {@code roots}: a root's own, else those of its sub-folders (one level). */
    public static List<Path> find(List<Path> roots) {
        List<Path> out = new ArrayList<>();
        for (Path r : roots) {
            if (!Files.isDirectory(r)) {
                throw new DiffudaException("--runs " + r + ": not a folder");
            }
            if (Files.isRegularFile(r.resolve("metrics.json"))) {
                out.add(r.resolve("metrics.json"));
                continue;
            }
            try (Stream<Path> s = Files.list(r)) {
                s.sorted().map(p -> p.resolve("metrics.json")).filter(Files::isRegularFile).forEach(out::add);
            } catch (IOException e) {
                throw new DiffudaException("--runs " + r + ": unreadable: " + e.getMessage(), e);
            }
        }
        return out;
    }

    public static Board build(List<Path> metricsFiles) {
        Map<String, Row> merged = new LinkedHashMap<>();
        List<Path> read = new ArrayList<>();
        for (Path f : metricsFiles) {
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(f.toFile());
            } catch (IOException e) {
                throw new DiffudaException(f + ": unreadable JSON: " + e.getMessage(), e);
            }
            JsonNode results = root.path("results");
            if (!results.isArray()) {
                continue; // a run of an older diffuda, or one without a table
            }
            read.add(f);
            for (JsonNode r : results) {
                String key = r.path("method").asText() + "\u0000" + r.path("row").asText() + "\u0000" + r.path("val").asText() + "\u0000" + r.path("iterations").asText();
                Row add = row(r, f.getParent().toString());
                Row old = merged.get(key);
                merged.put(key, old == null ? add : pool(old, add));
            }
        }
        List<Row> rows = new ArrayList<>(merged.values());
        Map<String, Integer> perSet = new java.util.HashMap<>(); // the set most rows share (the benchmark's target) comes first
        rows.forEach(r -> perSet.merge(String.valueOf(r.val()), 1, Integer::sum));
        rows.sort(Comparator.comparing((Row r) -> -perSet.get(String.valueOf(r.val())))
                .thenComparing(Row::val, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(r -> -(r.miou19().length == 0 ? Double.NEGATIVE_INFINITY : r.mean(r.miou19()))));
        Set<String> have = new LinkedHashSet<>();
        rows.forEach(r -> have.add(r.method()));
        List<String> missing = new ArrayList<>();
        METHODS.forEach((m, cmd) -> {
            if (!have.contains(m)) {
                missing.add(m + ": " + cmd);
            }
        });
        return new Board(rows, missing, read);
    }

    private static Row row(JsonNode r, String from) {
        List<Long> seeds = new ArrayList<>();
        r.path("seeds").forEach(x -> seeds.add(x.asLong()));
        return new Row(r.path("method").asText(), r.path("row").asText(), r.path("uses").asText(), r.path("val").isNull() ? null
                : r.path("val").asText(), seeds, values(r, "miou19"), values(r, "miou16"), values(r, "miou13"),
                r.path("seconds_per_seed").isNumber() ? r.path("seconds_per_seed").asDouble() : null, r.path("iterations").asLong(),
                List.of(from));
    }

    private static double[] values(JsonNode r, String k) {
        JsonNode v = r.path(k + "_values");
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asDouble();
        }
        return out;
    }

    /** Two rows of the same key from different folders: their seeds pooled, a seed counted once (the first folder's). */
    static Row pool(Row a, Row b) {
        if (a.seeds().size() != a.miou19().length || b.seeds().size() != b.miou19().length) {
            return a; // values not one per seed (spread over images): not poolable, keep the first
        }
        List<Long> seeds = new ArrayList<>(a.seeds());
        List<double[]> v = new ArrayList<>();
        for (double[][] p : new double[][][] {{a.miou19(), b.miou19()}, {a.miou16(), b.miou16()}, {a.miou13(), b.miou13()}}) {
            List<Double> xs = new ArrayList<>();
            for (double x : p[0]) {
                xs.add(x);
            }
            for (int i = 0; i < b.seeds().size(); i++) {
                if (!a.seeds().contains(b.seeds().get(i)) && i < p[1].length) {
                    xs.add(p[1][i]);
                }
            }
            v.add(xs.stream().mapToDouble(Double::doubleValue).toArray());
        }
        for (Long s : b.seeds()) {
            if (!seeds.contains(s)) {
                seeds.add(s);
            }
        }
        List<String> from = new ArrayList<>(a.from());
        from.addAll(b.from());
        Double secs = a.secondsPerSeed() == null ? b.secondsPerSeed() // boxed throughout: either may be unknown (null)
                : b.secondsPerSeed() == null ? a.secondsPerSeed() : Double.valueOf((a.secondsPerSeed() + b.secondsPerSeed()) / 2);
        return new Row(a.method(), a.row(), a.uses(), a.val(), seeds, v.get(0), v.get(1), v.get(2), secs, a.iterations(), from);
    }

    public static String markdown(Board b) {
        StringBuilder sb = new StringBuilder();
        String val = "\u0001";
        for (Row r : b.rows()) {
            if (!java.util.Objects.equals(val, r.val())) {
                val = r.val();
                sb.append(sb.length() == 0 ? "" : "\n").append("Evaluated on `").append(shortVal(val)).append("`:\n\n");
                sb.append("| method | row | uses | seeds | mIoU19 | mIoU16 | mIoU13 | iterations | wall time per seed |\n");
                sb.append("|---|---|---|---|---|---|---|---|---|\n");
            }
            sb.append("| ").append(r.method()).append(" | ").append(r.row()).append(" | ").append(r.uses()).append(" | ")
                    .append(seedsCell(r)).append(" | ").append(r.cell(r.miou19())).append(" | ").append(r.cell(r.miou16())).append(" | ")
                    .append(r.cell(r.miou13())).append(" | ").append(r.iterations()).append(" | ")
                    .append(r.secondsPerSeed() == null ? "-" : Progress.fmt(r.secondsPerSeed())).append(" |\n");
        }
        if (!b.missing().isEmpty()) {
            sb.append("\nNot in these runs:\n\n");
            b.missing().forEach(m -> sb.append("- ").append(m).append('\n'));
        }
        return sb.toString();
    }

    private static String seedsCell(Row r) {
        String s = r.seeds().toString().replace("[", "").replace("]", "").replace(" ", "");
        return r.seeds().size() == r.miou19().length ? s : s + " (" + r.miou19().length + " images)";
    }

    /** A validation set's path from "runs/bench-data/" on (the tables' sets are the benchmark's). */
    static String shortVal(String val) {
        if (val == null) {
            return "none";
        }
        int i = val.indexOf("bench-data/");
        return i >= 0 ? val.substring(i) : val;
    }

    /** One validation set's rows as bars: mean mIoU19, whiskers ± the sample std over seeds. */
    private static void bars(HtmlReport h, List<Row> rows) {
        List<String> labels = new ArrayList<>();
        double[] mean = new double[rows.size()], std = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            labels.add(r.method() + ": " + r.row());
            mean[i] = r.miou19().length == 0 ? 0 : r.mean(r.miou19());
            std[i] = r.std(r.miou19());
        }
        h.bars("mIoU19, mean ± sample std over seeds", "%", labels, mean, std);
    }

    /** Writes leaderboard.md, leaderboard.json and leaderboard.html into {@code out}. */
    public static void write(Board b, Path out) {
        AtomicFiles.writeString(out.resolve("leaderboard.md"), markdown(b));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("read", b.read().stream().map(Path::toString).toList());
        json.put("rows", b.rows());
        json.put("missing", b.missing());
        Json.writeFile(out.resolve("leaderboard.json"), json);
        HtmlReport h = new HtmlReport("diffuda leaderboard");
        h.paragraph("Every method and its baselines on the embedded benchmark, from the results of " + b.read().size()
                + " finished runs; mean ± sample std over the seeds (DATUM: over its target images). The last iteration of every run; no "
                + "target label selects anything.");
        String val = "\u0001";
        List<List<String>> rows = new ArrayList<>();
        List<Row> set = new ArrayList<>();
        for (Row r : b.rows()) {
            if (!java.util.Objects.equals(val, r.val())) {
                if (!rows.isEmpty()) {
                    h.table(List.of("method", "row", "uses", "seeds", "mIoU19", "mIoU16", "mIoU13", "iterations", "wall time per seed"), rows);
                    bars(h, set);
                    rows = new ArrayList<>();
                    set = new ArrayList<>();
                }
                val = r.val();
                h.heading(2, "Evaluated on " + shortVal(val));
            }
            set.add(r);
            rows.add(List.of(r.method(), r.row(), r.uses(), seedsCell(r), r.cell(r.miou19()), r.cell(r.miou16()), r.cell(r.miou13()),
                    String.valueOf(r.iterations()), r.secondsPerSeed() == null ? "-" : Progress.fmt(r.secondsPerSeed())));
        }
        if (!rows.isEmpty()) {
            h.table(List.of("method", "row", "uses", "seeds", "mIoU19", "mIoU16", "mIoU13", "iterations", "wall time per seed"), rows);
            bars(h, set);
        }
        if (!b.missing().isEmpty()) {
            h.paragraph("Not in these runs: " + String.join("; ", b.missing()));
        }
        h.write(out.resolve("leaderboard.html"));
    }
}
