package org.diffuda.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leaderboard reads every method's shared-schema rows and pools seeds of the same row across run folders. */
class LeaderboardTest {
    static EvalResult ev(double m) {
        return new EvalResult("val", 1, Map.of(), m, m + 1, m + 2, 0.5, null);
    }

    static void run(Path dir, List<Map<String, Object>> results) throws Exception {
        Files.createDirectories(dir);
        Json.writeFile(dir.resolve("metrics.json"), Map.of("method", "x", "results", results));
    }

    @Test
    void poolsSeedsAcrossFoldersSortsByMiouAndNamesWhatIsMissing(@TempDir Path tmp) throws Exception {
        String val = "runs/bench-data/real/val";
        run(tmp.resolve("a"), List.of(Results.row("daformer", "DAFormer", Results.ALL_TARGET_IMAGES, val, List.of(0L), List.of(ev(20)), 60.0, 1000),
                Results.row("source-only", "source only", Results.NO_TARGET, val, List.of(0L, 1L), List.of(ev(10), ev(14)), 30.0, 1000)));
        run(tmp.resolve("b"), List.of(Results.row("daformer", "DAFormer", Results.ALL_TARGET_IMAGES, val, List.of(0L, 1L), List.of(ev(99), ev(22)), 60.0, 1000)));
        Files.createDirectories(tmp.resolve("old"));
        Json.writeFile(tmp.resolve("old/metrics.json"), Map.of("eval", "no results table"));
        Leaderboard.Board b = Leaderboard.build(Leaderboard.find(List.of(tmp)));
        assertEquals(2, b.rows().size());
        Leaderboard.Row d = b.rows().get(0);
        assertEquals("daformer", d.method(), "best mIoU19 first");
        assertEquals(List.of(0L, 1L), d.seeds());
        assertArrayEquals(new double[] {20, 22}, d.miou19(), "seed 0 counted once (the first folder's), seed 1 added");
        assertEquals(2, b.read().size(), "a metrics.json without results is skipped");
        assertTrue(b.missing().stream().anyMatch(m -> m.startsWith("cicld:")), "methods without rows are named with their command");
        String md = Leaderboard.markdown(b);
        assertTrue(md.contains("| daformer | DAFormer | all target images (unlabelled) | 0,1 | 21.00 ± 1.41 |"), md);
        run(tmp.resolve("c"), List.of(Results.row("daformer", "DAFormer", Results.ALL_TARGET_IMAGES, val, List.of(2L), List.of(ev(5)), 60.0, 40),
                Results.row("sgg-ptl", "SGG + PTL", Results.ALL_TARGET_IMAGES, val, List.of(3L), List.of(ev(17)), 60.0, 1000)));
        run(tmp.resolve("c2"), List.of(Results.row("sgg-ptl", "g0", Results.NO_TARGET, val, List.of(0L), List.of(ev(15)), null, 1000)));
        run(tmp.resolve("c3"), List.of(Results.row("sgg-ptl", "g0", Results.NO_TARGET, val, List.of(1L), List.of(ev(17)), null, 1000)));
        run(tmp.resolve("d"), List.of(Results.row("zodi", "ZoDi", Results.PROMPT, "runs/bench-data/real-night/val", List.of(0L), List.of(ev(9)), 60.0, 2000)));
        String one = Leaderboard.markdown(Leaderboard.build(Leaderboard.find(List.of(tmp))));
        assertTrue(one.contains("| sgg-ptl | g0 | no target data | 0,1 | 16.00 ± 1.41 | 17.00 ± 1.41 | 18.00 ± 1.41 | 1000 | - |"),
                "rows without a wall time pool too\n" + one);
        assertTrue(one.indexOf("`bench-data/real/val`") < one.indexOf("`bench-data/real-night/val`"), "the set most rows share first\n" + one);
        assertTrue(one.contains("| sgg-ptl | SGG + PTL | all target images (unlabelled) | 3 | 17.00 | 18.00 | 19.00 |"), "one seed: no ± 0.00 spread\n" + one);
        assertTrue(one.contains("| daformer | DAFormer | all target images (unlabelled) | 0,1 | 21.00 ± 1.41 |")
                && one.contains("| daformer | DAFormer | all target images (unlabelled) | 2 | 5.00 |"), "other iterations: another row, not pooled\n" + one);
        Leaderboard.write(b, tmp.resolve("lb"));
        String html = Files.readString(tmp.resolve("lb/leaderboard.html"));
        assertEquals(2, html.split("<rect ", -1).length - 1, "one bar per row");
        assertTrue(html.contains(">21.00</text>") && html.contains(">12.00</text>"), "each bar is labelled with its mean");
    }
}
