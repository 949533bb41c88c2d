package org.diffuda.util;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Sets up the PyTorch engine once per JVM: offline mode (natives come from the jar on the class
 * path; nothing is downloaded at run time), quiet logging, intra-op threads, and the device.
 */
public final class Engines {
    private static volatile boolean configured;

    private Engines() {}

    /** Must run before the first DJL call. Idempotent. */
    public static synchronized void configure(Integer threads) {
        if (!configured) {
            System.setProperty("ai.djl.offline", "true");
            setIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "warn");
            setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.pytorch", "error");
            // a CUDA toolkit without a driver makes DJL warn at every start; GPU use is explicit (--device)
            setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "off");
            setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
            setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
            if (threads != null && threads > 0) {
                System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            }
            configured = true;
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public static Engine engine() {
        configure(null);
        return Engine.getEngine("PyTorch");
    }

    /** "cpu", "gpu" or "gpu:N"; gpu needs a CUDA libtorch (see README). */
    public static Device device(String name) {
        engine();
        if (name == null || name.isBlank() || name.equals("cpu")) {
            return Device.cpu();
        }
        if (name.startsWith("gpu")) {
            if (engine().getGpuCount() == 0) {
                throw new DiffudaException("--device " + name
                        + ": no GPU visible to libtorch (set PYTORCH_LIBRARY_PATH to a CUDA libtorch 2.7.1 and PYTORCH_FLAVOR=cu128)");
            }
            int id = 0;
            if (!name.equals("gpu")) {
                try {
                    id = name.startsWith("gpu:") ? Integer.parseInt(name.substring(4)) : -1;
                } catch (NumberFormatException e) {
                    id = -1;
                }
            }
            if (id < 0) {
                throw new DiffudaException("--device " + name + ": expected cpu, gpu or gpu:N");
            }
            if (id >= engine().getGpuCount()) {
                throw new DiffudaException("--device " + name + ": libtorch sees " + engine().getGpuCount() + " GPU(s)");
            }
            return Device.gpu(id);
        }
        throw new DiffudaException("--device " + name + ": expected cpu, gpu or gpu:N");
    }

    /** Seeds torch's global generator (parameter init, dropout, randn). */
    public static void seed(long seed) {
        engine().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }

    public static int intraOpThreads() {
        String p = System.getProperty("ai.djl.pytorch.num_threads");
        if (p != null) {
            return Integer.parseInt(p);
        }
        String omp = System.getenv("OMP_NUM_THREADS");
        return omp != null ? Integer.parseInt(omp) : Runtime.getRuntime().availableProcessors();
    }
}
