package org.diffuda.util;

import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long job: a terminal progress bar (rate, ETA) when a person is watching, plain
 * periodic log lines with the same numbers when output is not a terminal (CI, files).
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("diffuda");
    private static volatile boolean quiet;
    private final String task;
    private final long total;
    private final ProgressBar bar;
    private final long start = System.nanoTime();
    private long done;
    private long lastLog = System.nanoTime();
    private String extra = "";

    public Progress(String task, long total, long initial) {
        this.task = task;
        this.total = total;
        this.done = initial;
        if (!quiet && System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(initial, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(500).build();
        } else {
            bar = null;
        }
    }

    public Progress(String task, long total) {
        this(task, total, 0);
    }

    /** Tests and nested jobs turn the bars off. */
    public static boolean quiet() {
        return quiet;
    }

    public static void setQuiet(boolean q) {
        quiet = q;
    }

    public synchronized void step(long n, String message) {
        done += n;
        if (message != null) {
            extra = message;
        }
        if (bar != null) {
            bar.stepBy(n);
            if (message != null) {
                bar.setExtraMessage(" " + message);
            }
        } else if (!quiet && (System.nanoTime() - lastLog > 15_000_000_000L || done == total)) {
            lastLog = System.nanoTime();
            double secs = (System.nanoTime() - start) / 1e9;
            double rate = done / Math.max(secs, 1e-9);
            double eta = (total - done) / Math.max(rate, 1e-9);
            LOG.info(String.format("%s %d/%d (%.1f/s, ETA %s) %s", task, done, total, rate, fmt(eta), extra));
        }
    }

    public void step(String message) {
        step(1, message);
    }

    public void step() {
        step(1, null);
    }

    public static String fmt(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
