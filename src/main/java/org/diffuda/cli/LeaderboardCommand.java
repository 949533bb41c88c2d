package org.diffuda.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.report.Leaderboard;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "leaderboard", mixinStandardHelpOptions = true,
        description = "One table of every method and its baselines, from the \"results\" of finished runs' metrics.json (seeds of the same row pooled across folders); --run first runs each method's default, skipping finished ones.")
public final class LeaderboardCommand implements Runnable {
    @Option(names = "--runs", split = ",", defaultValue = "runs", description = "Run folders, or folders of run folders (one level), comma-separated (default: ${DEFAULT-VALUE}).")
    List<Path> runs;
    @Option(names = "--out", defaultValue = "runs/leaderboard", description = "Where leaderboard.md, .json and .html go (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--run", description = "First run the default of every method on the embedded benchmark into the first --runs folder (finished runs are skipped, killed ones resume).")
    boolean run;
    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", description = "Seeds of --run (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;
    @Option(names = "--conditions", split = ",", defaultValue = "night", description = "ZoDi's target conditions for --run (default: ${DEFAULT-VALUE}).")
    List<String> conditions;

    @Option(names = "--verbose", description = "On an error, print the stack trace too.")
    boolean verbose; // read by Main before parsing; declared so that the option is accepted here as everywhere

    /** One method's default run: its command line and its output folder. */
    record Job(Path out, List<String> args) {}

    /** The default of every method, as command lines (ZoDi once per condition; SGG+PTL and DAFormer once per seed). */
    List<Job> jobs(Path root) {
        String s = String.join(",", seeds.stream().map(String::valueOf).toList());
        List<Job> j = new ArrayList<>();
        j.add(job(root.resolve("cicld"), "adapt", "cicld", "--seeds", s));
        for (long seed : seeds) {
            j.add(job(root.resolve("daformer-s" + seed), "adapt", "daformer", "--seed", String.valueOf(seed)));
            j.add(job(root.resolve("sgg-ptl-s" + seed), "adapt", "sgg-ptl", "--seed", String.valueOf(seed)));
        }
        for (String c : conditions) {
            j.add(job(root.resolve("zodi-" + c), "adapt", "zodi", "--target-condition", c, "--seeds", s));
        }
        j.add(job(root.resolve("datum"), "adapt", "datum"));
        j.add(job(root.resolve("unet-swap"), "adapt", "unet-swap", "--seeds", s));
        return j;
    }

    /** A started folder is continued (every method takes --resume and refuses other settings). */
    private static Job job(Path out, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--out");
        a.add(out.toString());
        if (Files.isDirectory(out)) {
            a.add("--resume");
        }
        return new Job(out, a);
    }

    @Override
    public void run() {
        if (run) {
            for (Job j : jobs(runs.get(0))) {
                if (Files.isRegularFile(j.out().resolve("metrics.json"))) {
                    System.out.println("leaderboard: " + j.out() + " is finished; skipped");
                    continue;
                }
                System.out.println("leaderboard: diffuda " + String.join(" ", j.args()));
                int rc = Main.run(j.args().toArray(String[]::new));
                if (rc != 0) {
                    throw new DiffudaException("leaderboard --run: diffuda " + String.join(" ", j.args()) + " failed (exit " + rc + ")");
                }
            }
        }
        Leaderboard.Board b = Leaderboard.build(Leaderboard.find(runs));
        if (b.rows().isEmpty()) {
            throw new DiffudaException("--runs " + runs + ": no finished run with a results table (metrics.json \"results\") found");
        }
        Leaderboard.write(b, out);
        System.out.print(Leaderboard.markdown(b));
        System.out.println();
        System.out.println("leaderboard: " + out.resolve("leaderboard.md") + "   " + out.resolve("leaderboard.html"));
    }
}
