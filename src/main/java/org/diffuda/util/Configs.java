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
}
