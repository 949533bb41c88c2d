package org.diffuda.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void anObjectKeepsItsKeysInTheOrderGiven() {
        // Map.of would iterate these in an order salted per JVM; written files must not depend on it
        var o = Json.object("zeta", 1, "alpha", List.of(2), "mid", "three");
        assertEquals(List.of("zeta", "alpha", "mid"), List.copyOf(o.keySet()));
        assertEquals("{\"zeta\":1,\"alpha\":[2],\"mid\":\"three\"}", Json.compact(o));
    }

    @Test
    void anObjectRefusesAnOddListAndADuplicateKey() {
        assertThrows(IllegalArgumentException.class, () -> Json.object("a", 1, "b"));
        assertThrows(IllegalArgumentException.class, () -> Json.object("a", 1, "a", 2));
    }
}
