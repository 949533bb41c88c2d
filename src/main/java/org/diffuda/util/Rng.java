package org.diffuda.util;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * Deterministic random streams derived from a run seed and tags (epoch, iteration, sample).
 * Deriving instead of carrying one generator lets a resumed run draw exactly the numbers an
 * uninterrupted run would, and lets parallel loaders work in any order.
 */
public final class Rng {
    private Rng() {}

    public static long mix(long seed, long... tags) {
        long h = seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (long t : tags) {
            h = new SplittableRandom(h ^ (t * 0xBF58476D1CE4E5B9L)).nextLong();
        }
        return h;
    }

    public static Random random(long seed, long... tags) {
        return new Random(mix(seed, tags));
    }

    public static long stringTag(String s) {
        return s.hashCode() * 0x94D049BB133111EBL;
    }
}
