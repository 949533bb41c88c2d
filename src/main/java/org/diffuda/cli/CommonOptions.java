package org.diffuda.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** Options every command shares, named the same everywhere. */
public final class CommonOptions {
    @Option(names = "--config", description = "YAML or JSON file with option values (the command line overrides it).")
    public Path config;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    public String device;

    @Option(names = "--threads", description = "Intra-op threads of libtorch (default: all cores).")
    public Integer threads;

    @Option(names = "--skip-bad", description = "Skip unreadable or inconsistent data files with a counted warning instead of failing.")
    public boolean skipBad;

    /** The effective configuration of a command: every option's final value. */
    public static Map<String, Object> effective(CommandSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", spec.qualifiedName());
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            Object v = o.getValue();
            m.put(o.longestName().replaceFirst("^-+", ""), v instanceof Path p ? p.toString() : v);
        }
        m.put("intra_op_threads", Engines.intraOpThreads());
        return m;
    }

    public static void writeEffective(CommandSpec spec, Path dir) {
        Json.writeFile(dir.resolve("config.json"), effective(spec));
    }
}
