package org.diffuda.cli;

import java.nio.file.Path;
import java.util.List;
import org.diffuda.report.Leaderboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "leaderboard", mixinStandardHelpOptions = true,
        description = "One table of every method and its baselines, from the \"results\" of finished runs' metrics.json (seeds of the same row pooled across folders).")
public final class LeaderboardCommand implements Runnable {
    @Option(names = "--runs", split = ",", defaultValue = "runs", description = "Run folders, or folders of run folders (one level), comma-separated (default: ${DEFAULT-VALUE}).")
    List<Path> runs;
    @Option(names = "--out", defaultValue = "runs/leaderboard", description = "Where leaderboard.md, .json and .html go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public void run() {
        Leaderboard.Board b = Leaderboard.build(Leaderboard.find(runs));
        if (b.rows().isEmpty()) {
            throw new org.diffuda.util.DiffudaException("--runs " + runs + ": no finished run with a results table (metrics.json \"results\") found");
        }
        Leaderboard.write(b, out);
        System.out.print(Leaderboard.markdown(b));
        System.out.println();
        System.out.println("leaderboard: " + out.resolve("leaderboard.md") + "   " + out.resolve("leaderboard.html"));
    }
}
