package org.diffuda.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Value ranges of numeric options, checked at parse time: picocli reports a failed conversion as
 * one line, "Invalid value for option '--batch': ...", and exits with its usage code.
 */
final class Ranges {
    private Ranges() {}

    private static long whole(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not a whole number");
        }
    }

    private static double real(String s) {
        double v;
        try {
            v = Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not a number");
        }
        if (!Double.isFinite(v)) {
            throw new TypeConversionException("'" + s + "' is not a finite number");
        }
        return v;
    }

    private static int toInt(long v, String s) {
        if (v > Integer.MAX_VALUE) {
            throw new TypeConversionException("'" + s + "' is too large (at most " + Integer.MAX_VALUE + ")");
        }
        return (int) v;
    }

    /** A count: a whole number ≥ 1 (iterations, batch sizes, steps, widths, threads). */
    static final class Count implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            long v = whole(s);
            if (v < 1) {
                throw new TypeConversionException("must be at least 1, got " + s.strip());
            }
            return toInt(v, s);
        }
    }

    /** A whole number ≥ 0 (0 meaning none or all, as the option says). */
    static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            long v = whole(s);
            if (v < 0) {
                throw new TypeConversionException("must be at least 0, got " + s.strip());
            }
            return toInt(v, s);
        }
    }

    /** A finite number > 0 (learning rates). */
    static final class Positive implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = real(s);
            if (v <= 0) {
                throw new TypeConversionException("must be greater than 0, got " + s.strip());
            }
            return v;
        }
    }

    /** A finite number ≥ 0 (guidance scales). */
    static final class NonNegativeReal implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = real(s);
            if (v < 0) {
                throw new TypeConversionException("must be at least 0, got " + s.strip());
            }
            return v;
        }
    }

    /** An EMA decay in [0, 1): 0 keeps no EMA; 1 would never move from the initial weights. */
    static final class Decay implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = real(s);
            if (v < 0 || v >= 1) {
                throw new TypeConversionException("must be at least 0 and below 1 (0: no EMA), got " + s.strip());
            }
            return v;
        }
    }

    /** A probability in [0, 1]. */
    static final class Probability implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = real(s);
            if (v < 0 || v > 1) {
                throw new TypeConversionException("must be between 0 and 1, got " + s.strip());
            }
            return v;
        }
    }
}
