package org.diffuda.util;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one JSON/YAML mapper of the project. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    /**
     * A JSON object with its keys in the order given ({@code "k1", v1, "k2", v2, ...}). Use it,
     * never {@code Map.of}, for anything written: {@code Map.of} iterates in an order salted per
     * JVM, so the same run would write other bytes in another process.
     */
    public static java.util.Map<String, Object> object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values come in pairs");
        }
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (m.put((String) keysAndValues[i], keysAndValues[i + 1]) != null) {
                throw new IllegalArgumentException("duplicate key " + keysAndValues[i]);
            }
        }
        return m;
    }

    public static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line, for JSONL files. */
    public static String compact(Object o) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void writeFile(Path p, Object o) {
        AtomicFiles.writeString(p, write(o) + "\n");
    }

    public static <T> T readFile(Path p, Class<T> type) {
        try {
            ObjectMapper m = p.toString().endsWith(".yaml") || p.toString().endsWith(".yml") ? YAML : MAPPER;
            return m.readValue(Files.readAllBytes(p), type);
        } catch (IOException e) {
            throw new DiffudaException(p + ": cannot read as " + type.getSimpleName() + ": " + firstLine(e.getMessage()));
        }
    }

    public static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
