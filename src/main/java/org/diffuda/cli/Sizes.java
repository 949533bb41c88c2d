package org.diffuda.cli;

import org.diffuda.util.DiffudaException;

final class Sizes {
    private Sizes() {}

    /** "64x128" → {64, 128} (height × width). */
    static int[] parse(String s, String option) {
        String[] p = s.toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            if (p.length == 2) {
                int h = Integer.parseInt(p[0].trim()), w = Integer.parseInt(p[1].trim());
                if (h > 0 && w > 0) {
                    return new int[] {h, w};
                }
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw new DiffudaException(option + " " + s + ": expected HEIGHTxWIDTH, e.g. 64x128");
    }

    static void positive(int v, String option) {
        if (v <= 0) {
            throw new DiffudaException(option + " " + v + ": must be positive");
        }
    }

    static void learningRate(double lr) {
        if (!(Double.isFinite(lr) && lr >= 0)) {
            throw new DiffudaException("--lr " + lr + ": must be a finite number ≥ 0");
        }
    }
}
