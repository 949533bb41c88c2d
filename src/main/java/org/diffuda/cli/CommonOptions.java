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

    @Option(names = "--device", defaultValue = "cpu", converter = DeviceName.class,
            description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}); a GPU must be visible to libtorch.")
    public String device;

    @Option(names = "--verbose", description = "On an error, print the stack trace too.")
    public boolean verbose;

    /** Checked at parse time: a device that is not there is refused, never silently replaced by the CPU. */
    static final class DeviceName implements picocli.CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String s) {
            try {
                Engines.device(s);
            } catch (org.diffuda.util.DiffudaException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage().replaceFirst("^--device \\S+: ", ""));
            }
            return s;
        }
    }

    @Option(names = "--threads", converter = Ranges.Count.class, description = "Intra-op threads of libtorch (default: all cores).")
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
