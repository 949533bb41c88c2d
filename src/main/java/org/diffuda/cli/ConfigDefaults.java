package org.diffuda.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from a YAML or JSON {@code --config} file: keys are option names without the
 * dashes ({@code iters: 2000}, {@code lr: 0.01}); a section named after the command overrides
 * top-level keys for that command. The command line overrides both.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    private final JsonNode root;
    private final Path file;

    private ConfigDefaults(JsonNode root, Path file) {
        this.root = root;
        this.file = file;
    }

    static ConfigDefaults fromArgs(String[] args) {
        List<String> a = Arrays.asList(args);
        int i = a.indexOf("--config");
        String value = null;
        if (i >= 0 && i + 1 < args.length) {
            value = args[i + 1];
        } else {
            for (String s : args) {
                if (s.startsWith("--config=")) {
                    value = s.substring("--config=".length());
                }
            }
        }
        if (value == null) {
            return new ConfigDefaults(null, null);
        }
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw new DiffudaException("--config " + p + ": file not found");
        }
        try {
            boolean yaml = value.endsWith(".yaml") || value.endsWith(".yml");
            JsonNode root = (yaml ? Json.YAML : Json.MAPPER).readTree(p.toFile());
            if (root == null || !root.isObject()) {
                throw new DiffudaException("--config " + p + ": expected a mapping of option names to values");
            }
            return new ConfigDefaults(root, p);
        } catch (java.io.IOException e) {
            throw new DiffudaException("--config " + p + ": " + Json.firstLine(e.getMessage()));
        }
    }

    /**
     * Refuses keys no option of diffuda has ({@code itres: 3} would silently run the default 2000
     * iterations), naming them with the nearest option name. A top-level key may belong to any
     * command (one file can serve several); a section's keys must be options of that command.
     */
    void checkKeys(CommandLine.ParseResult parse) {
        if (root == null) {
            return;
        }
        CommandLine top = parse.commandSpec().commandLine();
        java.util.Map<String, java.util.Set<String>> byCommand = new java.util.TreeMap<>();
        collect(top, byCommand);
        java.util.Set<String> all = new java.util.TreeSet<>();
        byCommand.values().forEach(all::addAll);
        List<String> unknown = new java.util.ArrayList<>();
        for (Iterator<java.util.Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isObject()) {
                java.util.Set<String> opts = byCommand.get(e.getKey());
                if (opts == null) {
                    unknown.add("section '" + e.getKey() + "'" + hint(e.getKey(), byCommand.keySet()));
                    continue;
                }
                e.getValue().fieldNames().forEachRemaining(k -> {
                    if (!opts.contains(k)) {
                        unknown.add("'" + e.getKey() + "." + k + "'" + hint(k, opts));
                    }
                });
            } else if (!all.contains(e.getKey())) {
                unknown.add("'" + e.getKey() + "'" + hint(e.getKey(), all));
            }
        }
        if (!unknown.isEmpty()) {
            throw new DiffudaException("--config " + file + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown));
        }
    }

    private static void collect(CommandLine cl, java.util.Map<String, java.util.Set<String>> out) {
        java.util.Set<String> names = out.computeIfAbsent(cl.getCommandName(), k -> new java.util.TreeSet<>());
        for (OptionSpec o : cl.getCommandSpec().options()) {
            names.add(o.longestName().replaceFirst("^-+", ""));
        }
        cl.getSubcommands().values().forEach(c -> collect(c, out));
    }

    /** " (did you mean 'iters'?)" for a name within two edits of a known one. */
    private static String hint(String key, java.util.Collection<String> known) {
        String best = null;
        int bestD = 3;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                } else {
                    int sub = d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                    d[i][j] = Math.min(sub, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                    if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1); // a transposition ("itres")
                    }
                }
            }
        }
        return d[a.length()][b.length()];
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (root == null) {
            return null;
        }
        if (!(arg instanceof OptionSpec opt)) {
            return null;
        }
        String key = opt.longestName().replaceFirst("^-+", "");
        if (key.equals("config")) {
            return null;
        }
        String cmd = arg.command() == null ? null : arg.command().name();
        JsonNode v = null;
        if (cmd != null && root.has(cmd) && root.get(cmd).isObject() && root.get(cmd).has(key)) {
            v = root.get(cmd).get(key);
        } else if (root.has(key)) {
            v = root.get(key);
        }
        if (v == null) {
            return null;
        }
        if (v.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (Iterator<JsonNode> it = v.elements(); it.hasNext(); ) {
                sb.append(sb.length() == 0 ? "" : ",").append(it.next().asText());
            }
            return sb.toString();
        }
        if (v.isObject()) {
            throw new DiffudaException("--config " + file + ": option '" + key + "' must be a value, not a mapping");
        }
        return v.asText();
    }
}
