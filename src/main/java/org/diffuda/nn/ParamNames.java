package org.diffuda.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place that turns a DJL block tree into torch-style parameter keys. DJL stores children
 * as {@code String.format("%02d%s", index, name)}; the walk strips that prefix and joins with dots.
 */
public final class ParamNames {
    private ParamNames() {}

    public static Map<String, Parameter> of(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        walk(root, "", out);
        return out;
    }

    private static void walk(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        for (Pair<String, Block> c : block.getChildren()) {
            walk(c.getValue(), prefix + stripIndex(c.getKey()) + ".", out);
        }
    }

    static String stripIndex(String djlName) {
        int i = 0;
        while (i < djlName.length() && i < 2 && Character.isDigit(djlName.charAt(i))) {
            i++;
        }
        return i == 2 ? djlName.substring(2) : djlName;
    }

    /** Parameters that the optimiser updates (not buffers). */
    public static Map<String, Parameter> trainable(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        of(root).forEach((k, v) -> {
            if (v.requiresGradient()) {
                out.put(k, v);
            }
        });
        return out;
    }
}
