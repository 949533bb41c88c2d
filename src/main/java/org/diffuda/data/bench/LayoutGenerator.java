package org.diffuda.data.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import static org.diffuda.data.Classes.*;

/**
 * Draws street layouts seen from a car: sky over a horizon, a perspective road with lane marks,
 * sidewalks, buildings with walls and fences in front, trees and terrain, poles with lights and
 * signs, then vehicles, people and riders in depth order. Sizes shrink toward the horizon, so
 * far objects are a few pixels. Class frequencies come out long-tailed as in real data.
 */
public final class LayoutGenerator {

    /** Object statistics of a domain (GTA-like source has more cars, fewer persons). */
    public record Stats(double cars, double persons, double riders, double trucks, double buses,
                        double trainProb, double trees, double poles) {
        public static Stats source() {
            return new Stats(3.2, 1.0, 0.5, 0.5, 0.35, 0.08, 2.0, 2.5);
        }

        public static Stats target() {
            return new Stats(2.2, 2.2, 0.8, 0.35, 0.3, 0.06, 2.5, 3.0);
        }
    }

    private final int h;
    private final int w;
    private final Stats stats;

    public LayoutGenerator(int height, int width, Stats stats) {
        this.h = height;
        this.w = width;
        this.stats = stats;
    }

    /** Ground geometry of one scene. */
    private record Road(double horizon, double vx, double halfWidthAtBottom, double sidewalkFactor) {
        double half(double y) {
            return Math.max(0, (y - horizon) / 1.0) * halfWidthAtBottom;
        }
    }

    public Scene generate(Random r) {
        Scene s = new Scene(h, w);
        double horizon = h * (0.36 + 0.12 * r.nextDouble());
        Road road = new Road(horizon, w * (0.38 + 0.24 * r.nextDouble()),
                w * (0.4 + 0.25 * r.nextDouble()) / (h - horizon), 0.35 + 0.3 * r.nextDouble());
        ground(s, road, r);
        buildings(s, road, r, true);
        buildings(s, road, r, false);
        List<Runnable> drawables = new ArrayList<>();
        List<Double> order = new ArrayList<>();
        roadside(s, road, r, drawables, order);
        vehicles(s, road, r, drawables, order);
        // painter's order: far (small y) first
        Integer[] idx = new Integer[drawables.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, Comparator.comparingDouble(order::get));
        for (int i : idx) {
            drawables.get(i).run();
        }
        return s;
    }

    private float groundDepth(double y, double horizon) {
        return (float) Math.min(1, 1.5 / (y - horizon + 1.5));
    }

    private double scaleAt(double y, Road road) {
        return Math.max(0.02, (y - road.horizon()) / (h - road.horizon()));
    }

    private void ground(Scene s, Road road, Random r) {
        int terrainLeft = r.nextDouble() < 0.5 ? 1 : 0, terrainRight = r.nextDouble() < 0.5 ? 1 : 0;
        double laneDash = 3 + 3 * r.nextDouble();
        for (int y = 0; y < h; y++) {
            double yc = y + 0.5;
            for (int x = 0; x < w; x++) {
                if (yc < road.horizon()) {
                    s.set(x, y, SKY, 1f, 0);
                    continue;
                }
                double half = road.half(yc);
                double dx = x + 0.5 - road.vx();
                float d = groundDepth(yc, road.horizon());
                int cls;
                if (Math.abs(dx) <= half) {
                    cls = ROAD;
                } else {
                    // the outer part of the kerb is a grass verge on some streets
                    boolean terrain = dx < 0 ? terrainLeft == 1 : terrainRight == 1;
                    cls = terrain && Math.abs(dx) > half * (1 + 0.45 * road.sidewalkFactor()) ? TERRAIN : SIDEWALK;
                }
                s.set(x, y, cls, d, 0);
            }
        }
        // lane marks are still road, but give the renderer something to draw: instance -1
        for (int y = (int) Math.ceil(road.horizon()); y < h; y++) {
            double yc = y + 0.5;
            double mark = Math.max(0.5, road.half(yc) * 0.04);
            if (((int) Math.floor(Math.log(yc - road.horizon() + 1) * laneDash)) % 2 == 0) {
                for (int x = (int) (road.vx() - mark); x <= (int) (road.vx() + mark); x++) {
                    if (x >= 0 && x < w && s.at(x, y) == ROAD) {
                        s.instance[y * w + x] = -1;
                    }
                }
            }
        }
    }

    /** Buildings along one side: their base is the outer sidewalk edge. */
    private void buildings(Scene s, Road road, Random r, boolean left) {
        double x = left ? 0 : w;
        double edgeAtHorizon = road.vx();
        while (left ? x < edgeAtHorizon - 1 : x > edgeAtHorizon + 1) {
            double width = w * (0.06 + 0.18 * r.nextDouble());
            double xa = left ? x : x - width, xb = left ? x + width : x;
            boolean gap = r.nextDouble() < 0.15;
            double heightFrac = 0.35 + 0.9 * r.nextDouble();
            int inst = gap ? 0 : s.newInstance(BUILDING);
            int cls = gap ? VEGETATION : BUILDING;
            if (gap) {
                inst = s.newInstance(VEGETATION);
            }
            for (int xi = (int) Math.floor(xa); xi < Math.ceil(xb); xi++) {
                if (xi < 0 || xi >= w) {
                    continue;
                }
                double dx = Math.abs(xi + 0.5 - road.vx());
                // ground row where the outer sidewalk edge reaches this column
                double base = road.horizon() + dx / (road.halfWidthAtBottom() * (1 + road.sidewalkFactor()));
                base = Math.min(base, h);
                double sc = scaleAt(base, road) + 0.12;
                double top = road.horizon() - road.horizon() * heightFrac * sc * 1.6;
                float d = groundDepth(base, road.horizon());
                for (int y = (int) Math.max(0, Math.floor(top)); y < (int) Math.ceil(base); y++) {
                    s.set(xi, y, cls, d, inst);
                }
            }
            // walls and fences stand in front of some buildings, low
            if (!gap && r.nextDouble() < 0.3) {
                int wc = r.nextDouble() < 0.5 ? WALL : FENCE;
                int winst = s.newInstance(wc);
                double fh = 0.25 + 0.2 * r.nextDouble();
                for (int xi = (int) Math.floor(xa); xi < Math.ceil(xb); xi++) {
                    if (xi < 0 || xi >= w) {
                        continue;
                    }
                    double dx = Math.abs(xi + 0.5 - road.vx());
                    double base = Math.min(h, road.horizon() + dx / (road.halfWidthAtBottom() * (1 + road.sidewalkFactor())));
                    double sc = scaleAt(base, road);
                    double top = base - fh * sc * h * 0.35 - 1;
                    for (int y = (int) Math.max(0, Math.floor(top)); y < (int) Math.ceil(base); y++) {
                        s.set(xi, y, wc, groundDepth(base, road.horizon()), winst);
                    }
                }
            }
            x = left ? xb : xa;
        }
    }

    private int poisson(double lambda, Random r) {
        double l = Math.exp(-lambda), p = 1;
        int k = 0;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /** A ground point on the sidewalk (side = -1 left, +1 right) at row y. */
    private double sidewalkX(Road road, double y, int side, double where) {
        double half = road.half(y);
        return road.vx() + side * half * (1 + road.sidewalkFactor() * where);
    }

    private double randomRow(Road road, Random r) {
        double u = r.nextDouble();
        return road.horizon() + 1.5 + (h - road.horizon() - 1.5) * Math.pow(u, 0.8);
    }

    private void roadside(Scene s, Road road, Random r, List<Runnable> out, List<Double> order) {
        int trees = poisson(stats.trees(), r);
        for (int i = 0; i < trees; i++) {
            double y = randomRow(road, r);
            int side = r.nextBoolean() ? -1 : 1;
            double x = sidewalkX(road, y, side, 0.85);
            double sc = scaleAt(y, road);
            out.add(() -> {
                int inst = s.newInstance(VEGETATION);
                float d = groundDepth(y, road.horizon());
                double trunkH = h * 0.35 * sc, crown = h * 0.28 * sc + 1;
                s.rect(x - Math.max(0.5, sc * 1.5), y - trunkH, x + Math.max(0.5, sc * 1.5), y, VEGETATION, d, inst);
                s.ellipse(x, y - trunkH - crown * 0.5, crown * 1.1, crown, VEGETATION, d, inst);
            });
            order.add(y);
        }
        int poles = poisson(stats.poles(), r);
        for (int i = 0; i < poles; i++) {
            double y = randomRow(road, r);
            int side = r.nextBoolean() ? -1 : 1;
            double x = sidewalkX(road, y, side, 0.3);
            double sc = scaleAt(y, road);
            double kind = r.nextDouble();
            out.add(() -> {
                float d = groundDepth(y, road.horizon());
                double ph = h * 0.6 * sc + 2, pw = Math.max(0.5, sc * 1.2);
                s.rect(x - pw, y - ph, x + pw, y, POLE, d, s.newInstance(POLE));
                if (kind < 0.4) {
                    double bw = Math.max(1, sc * 3), bh = Math.max(1.5, sc * 7);
                    s.rect(x - bw, y - ph - bh, x + bw, y - ph, TRAFFIC_LIGHT, d, s.newInstance(TRAFFIC_LIGHT));
                    s.light(x, y - ph - bh * 0.7, bw * 2.5, 1f, 0.3f, 0.2f);
                } else if (kind < 0.8) {
                    double r0 = Math.max(1, sc * 4);
                    s.ellipse(x, y - ph - r0 * 0.6, r0, r0, TRAFFIC_SIGN, d, s.newInstance(TRAFFIC_SIGN));
                } else {
                    s.light(x, y - ph, sc * 6 + 1, 1f, 0.85f, 0.5f);
                }
            });
            order.add(y);
        }
        int persons = poisson(stats.persons(), r);
        for (int i = 0; i < persons; i++) {
            double y = randomRow(road, r);
            int side = r.nextBoolean() ? -1 : 1;
            double x = sidewalkX(road, y, side, 0.1 + 0.8 * r.nextDouble());
            double sc = scaleAt(y, road);
            out.add(() -> person(s, x, y, sc, road, PERSON));
            order.add(y);
        }
    }

    private void person(Scene s, double x, double y, double sc, Road road, int cls) {
        int inst = s.newInstance(cls);
        float d = groundDepth(y, road.horizon());
        double ph = h * 0.3 * sc + 1.5, pw = Math.max(0.6, ph * 0.16);
        s.rect(x - pw, y - ph * 0.85, x + pw, y, cls, d, inst);
        s.ellipse(x, y - ph * 0.9, pw * 0.9, ph * 0.12 + 0.4, cls, d, inst);
    }

    private void vehicles(Scene s, Road road, Random r, List<Runnable> out, List<Double> order) {
        addVehicles(s, road, r, out, order, CAR, poisson(stats.cars(), r));
        addVehicles(s, road, r, out, order, TRUCK, poisson(stats.trucks(), r));
        addVehicles(s, road, r, out, order, BUS, poisson(stats.buses(), r));
        int riders = poisson(stats.riders(), r);
        for (int i = 0; i < riders; i++) {
            double y = randomRow(road, r);
            double x = road.vx() + (r.nextDouble() * 1.6 - 0.8) * road.half(y);
            double sc = scaleAt(y, road);
            int bike = r.nextDouble() < 0.55 ? BICYCLE : MOTORCYCLE;
            out.add(() -> {
                float d = groundDepth(y, road.horizon());
                double bh = h * 0.12 * sc + 1, bw = bh * (bike == MOTORCYCLE ? 1.1 : 0.7);
                s.rect(x - bw, y - bh, x + bw, y, bike, d, s.newInstance(bike));
                double ph = h * 0.2 * sc + 1, pw = Math.max(0.6, ph * 0.2);
                int inst = s.newInstance(RIDER);
                s.rect(x - pw, y - bh - ph, x + pw, y - bh * 0.6, RIDER, d, inst);
                s.ellipse(x, y - bh - ph * 1.05, pw, ph * 0.18 + 0.4, RIDER, d, inst);
                if (bike == MOTORCYCLE) {
                    s.light(x, y - bh * 0.6, bw, 1f, 0.9f, 0.7f);
                }
            });
            order.add(y);
        }
        if (r.nextDouble() < stats.trainProb()) {
            double y = road.horizon() + (h - road.horizon()) * (0.15 + 0.2 * r.nextDouble());
            double sc = scaleAt(y, road);
            out.add(() -> {
                float d = groundDepth(y, road.horizon());
                double th = h * 0.55 * sc + 3;
                int inst = s.newInstance(TRAIN);
                double x0 = r.nextDouble() * w * 0.3, x1 = w - r.nextDouble() * w * 0.3;
                s.rect(x0, y - th, x1, y, TRAIN, d, inst);
                s.light(x0 + 1, y - th * 0.3, th * 0.5, 1f, 0.9f, 0.6f);
            });
            order.add(y);
        }
    }

    private void addVehicles(Scene s, Road road, Random r, List<Runnable> out, List<Double> order, int cls, int n) {
        for (int i = 0; i < n; i++) {
            double y = randomRow(road, r);
            double lane = r.nextDouble() * 1.4 - 0.7;
            double x = road.vx() + lane * road.half(y);
            double sc = scaleAt(y, road);
            boolean facing = lane < 0;
            out.add(() -> vehicle(s, x, y, sc, road, cls, facing));
            order.add(y);
        }
    }

    private void vehicle(Scene s, double x, double y, double sc, Road road, int cls, boolean facing) {
        int inst = s.newInstance(cls);
        float d = groundDepth(y, road.horizon());
        double unit = h * sc;
        switch (cls) {
            case CAR -> {
                double cw = unit * 0.42 + 1.5, ch = cw * 0.38;
                s.rect(x - cw / 2, y - ch, x + cw / 2, y, CAR, d, inst);
                s.rect(x - cw * 0.32, y - ch * 1.75, x + cw * 0.32, y - ch + 0.5, CAR, d, inst);
                lights(s, x, y - ch * 0.5, cw * 0.36, unit, facing);
            }
            case TRUCK -> {
                double tw = unit * 0.55 + 2, th = tw * 0.8;
                s.rect(x - tw / 2, y - th, x + tw * 0.2, y, TRUCK, d, inst);
                s.rect(x + tw * 0.2, y - th * 0.6, x + tw / 2, y, TRUCK, d, inst);
                lights(s, x, y - th * 0.25, tw * 0.4, unit, facing);
            }
            default -> {
                double bw = unit * 0.95 + 3, bh = unit * 0.5 + 2;
                s.rect(x - bw / 2, y - bh, x + bw / 2, y, BUS, d, inst);
                lights(s, x, y - bh * 0.2, bw * 0.42, unit, facing);
            }
        }
    }

    private void lights(Scene s, double x, double y, double dx, double unit, boolean facing) {
        float g = facing ? 0.9f : 0.15f, b = facing ? 0.7f : 0.1f;
        double rad = unit * 0.06 + 0.8;
        s.light(x - dx, y, rad, 1f, g, b);
        s.light(x + dx, y, rad, 1f, g, b);
    }
}
