package org.diffuda.util;

/** Where a consumer gets its generators from: one per purpose, all derived from one place. */
@FunctionalInterface
public interface Generators {
    Generator generator(String purpose);

    /** The generators of item {@code index} of a run with {@code seed}. */
    static Generators of(long seed, long index) {
        return purpose -> Generator.of(seed, purpose, index);
    }
}
