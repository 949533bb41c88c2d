package org.diffuda.methods.sggptl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.Datasets;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.Json;

/**
 * The paper's Table 2 (and Table 5's arrangements) as runs sharing one denoiser and one g₀, so
 * the rows differ only in what the row names. Single-stage variants (baseline, w/o PTL) get the
 * fine-tuning iterations of all PTL stages together, so every row trains equally long.
 */
public final class SggPtlAblation {
    public record Variant(String name, String description, SggPtlConfig cfg) {}

    public record Row(String name, String description, Double miou19, Double miou16, Double miou13, double seconds) {}

    public record Table(EvalResult g0, List<Row> rows) {
        public String markdown() {
            StringBuilder b = new StringBuilder("| variant | what changes | mIoU19 | mIoU16 | mIoU13 | seconds (translate + fine-tune) |\n|---|---|---|---|---|---|\n");
            if (g0 != null) {
                b.append(String.format("| g0 (source-only) | no translation | %.2f | %.2f | %.2f | - |%n", g0.miou19(), g0.miou16(), g0.miou13()));
            }
            for (Row r : rows) {
                b.append(String.format("| %s | %s | %s | %s | %s | %.0f |%n", r.name(), r.description(), f(r.miou19()),
                        f(r.miou16()), f(r.miou13()), r.seconds()));
            }
            return b.toString();
        }

        private static String f(Double d) {
            return d == null ? "-" : String.format("%.2f", d);
        }
    }

    private SggPtlAblation() {}

    public static List<Variant> variants(SggPtlConfig c) {
        SggPtlConfig single = c.singleStage();
        List<Variant> v = new ArrayList<>();
        v.add(new Variant("full", "SGG (alternate) + PTL + source term", c));
        v.add(new Variant("baseline", "unguided phi^N, one stage", single.withGuidance(false, c.arrangement(), c.lambda())));
        v.add(new Variant("w/o SGG", "PTL over unguided phi^n", c.withGuidance(false, c.arrangement(), c.lambda())));
        v.add(new Variant("w/o PTL", "SGG by g0 at n = N, one stage", single));
        v.add(new Variant("w/o LCG", "GSG only", c.withGuidance(true, "global", c.lambda())));
        v.add(new Variant("w/o GSG", "LCG only", c.withGuidance(true, "local", c.lambda())));
        v.add(new Variant("w/o source term", "fine-tune on CE(X^n) only", c.withSourceTerm(false)));
        v.add(new Variant("local-then-global", "arrangement", c.withGuidance(true, "local-then-global", c.lambda())));
        v.add(new Variant("global-then-local", "arrangement", c.withGuidance(true, "global-then-local", c.lambda())));
        v.add(new Variant("random", "arrangement", c.withGuidance(true, "random", c.lambda())));
        return v;
    }

    /** Runs every variant under out/ablation/NAME (finished ones are read back), then writes the table. */
    public static Table run(SggPtl.Spec s) {
        Path denoiser = s.denoiser();
        if (denoiser == null) {
            denoiser = s.out().resolve("denoiser");
            if (!Files.isDirectory(denoiser.resolve("unet"))) {
                s.denoiserTraining().train(List.of(Datasets.open(s.target(), s.bad())), denoiser, s.seed(), s.bad());
            }
        }
        Path g0 = s.g0() != null ? s.g0() : s.out().resolve("g0");
        List<Row> rows = new ArrayList<>();
        EvalResult g0Eval = null;
        for (Variant v : variants(s.cfg())) {
            Path out = s.out().resolve("ablation").resolve(v.name().replace(' ', '-').replace('/', '-'));
            SggPtl.Result r = SggPtl.run(new SggPtl.Spec(s.source(), s.target(), s.val(), out, denoiser, g0, s.model(),
                    s.g0Train(), v.cfg(), s.seed(), s.eval(), s.bad(), s.denoiserTraining(), s.resume()));
            g0Eval = r.g0();
            EvalResult e = r.result();
            // translation + fine-tuning time as recorded by the stages (a read-back run takes none)
            double secs = r.stages().stream().mapToDouble(st -> st.translateSeconds() + st.finetuneSeconds()).sum();
            rows.add(new Row(v.name(), v.description(), e == null ? null : e.miou19(), e == null ? null : e.miou16(),
                    e == null ? null : e.miou13(), secs));
        }
        Table t = new Table(g0Eval, rows);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("seed", s.seed());
        json.put("config", s.cfg());
        json.put("g0", g0Eval);
        json.put("rows", rows);
        Json.writeFile(s.out().resolve("ablation.json"), json);
        AtomicFiles.writeString(s.out().resolve("ablation.md"), t.markdown());
        return t;
    }
}
