package org.diffuda.methods;

import java.util.Collection;
import java.util.List;
import org.diffuda.util.DiffudaException;

/**
 * The rows of a method's table (its arms) and the seeds each is trained with, checked before
 * anything is written: every arm one the method has, every seed list non-empty.
 */
public final class Arms {
    private Arms() {}

    public static void check(List<String> arms, Collection<String> known) {
        for (String a : arms) {
            if (!known.contains(a)) {
                throw new DiffudaException("--arms " + a + ": expected some of " + String.join(", ", known));
            }
        }
    }

    /** Each list given (a null one is not given) holds at least one seed. */
    @SafeVarargs
    public static void seeds(List<Long>... lists) {
        for (List<Long> l : lists) {
            if (l != null && l.isEmpty()) {
                throw new DiffudaException("--seeds: give at least one seed");
            }
        }
    }
}
