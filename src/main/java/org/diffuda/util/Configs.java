package org.diffuda.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * diffusers' {@code from_config(config, **overrides)} for diffuda's config records: a copy of a
 * record with some fields replaced, named as in its JSON ({@code config.json} keys), instead of
 * re-listing every positional argument. An unknown name is an error that lists the known ones.
 */
public final class Configs {
    private Configs() {}

    /** {@code config} with the given fields replaced: {@code with(c, "iterations", 10, "lr", 1e-4)}. */
    public static <T> T with(T config, Object... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("Configs.with: names and values must come in pairs");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            m.put((String) nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return with(config, m);
    }

    @SuppressWarnings("unchecked")
    public static <T> T with(T config, Map<String, ?> overrides) {
        ObjectNode tree = Json.MAPPER.valueToTree(config);
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            if (!tree.has(e.getKey())) {
                unknown.add(e.getKey());
                continue;
            }
            JsonNode v = Json.MAPPER.valueToTree(e.getValue());
            tree.set(e.getKey(), v);
        }
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            tree.fieldNames().forEachRemaining(known::add);
            throw new IllegalArgumentException(config.getClass().getSimpleName() + ": no field " + unknown + "; it has " + known);
        }
        try {
            return (T) Json.MAPPER.treeToValue(tree, config.getClass());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(config.getClass().getSimpleName() + ": " + Json.firstLine(e.getMessage()), e);
        }
    }

    /**
     * A config record from its JSON (or YAML) file as the reference library builds it: a field the
     * file leaves out takes the record's {@code referenceDefaults()} (diffusers' / transformers'
     * __init__ defaults; a static method of the record, optionally taking the file's JSON), an
     * explicit null is kept where the field may be null and means "the default" where it may not,
     * and fields the record does not know are kept in the file and ignored, as from_config does.
     */
    @SuppressWarnings("unchecked")
    public static <T> T read(java.nio.file.Path file, Class<T> type) {
        JsonNode given;
        try {
            com.fasterxml.jackson.databind.ObjectMapper m = file.toString().endsWith(".yaml") || file.toString().endsWith(".yml")
                    ? Json.YAML : Json.MAPPER;
            given = m.readTree(java.nio.file.Files.readAllBytes(file));
        } catch (java.io.IOException e) {
            throw new DiffudaException(file + ": cannot read as " + type.getSimpleName() + ": " + Json.firstLine(e.getMessage()));
        }
        if (given == null || !given.isObject()) {
            throw new DiffudaException(file + ": expected a JSON object of " + type.getSimpleName() + " fields");
        }
        T defaults = referenceDefaults(type, given);
        ObjectNode tree = defaults == null ? Json.MAPPER.createObjectNode() : Json.MAPPER.valueToTree(defaults);
        Map<String, Class<?>> fieldTypes = new LinkedHashMap<>();
        if (type.isRecord()) {
            for (java.lang.reflect.RecordComponent rc : type.getRecordComponents()) {
                com.fasterxml.jackson.annotation.JsonProperty jp = rc.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                fieldTypes.put(jp != null ? jp.value() : rc.getName(), rc.getType());
            }
        }
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Class<?> ft = fieldTypes.get(e.getKey());
            if (e.getValue().isNull() && ft != null && ft.isPrimitive()) {
                continue;
            }
            tree.set(e.getKey(), e.getValue());
        }
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DiffudaException(file + ": not a valid " + type.getSimpleName() + ": " + Json.firstLine(e.getOriginalMessage()));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T referenceDefaults(Class<T> type, JsonNode given) {
        try {
            try {
                return (T) type.getMethod("referenceDefaults", JsonNode.class).invoke(null, given);
            } catch (NoSuchMethodException e) {
                return (T) type.getMethod("referenceDefaults").invoke(null);
            }
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getSimpleName() + ".referenceDefaults", e);
        }
    }
}
