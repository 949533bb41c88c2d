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

    static CommandLine.IDefaultValueProvider fromArgs(String[] args) {
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
            return arg -> null;
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

    @Override
    public String defaultValue(ArgSpec arg) {
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
