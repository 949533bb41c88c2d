package org.diffuda.diffusion.schedulers;

/** What every scheduler holds: its config, the noise schedule it defines, the current timesteps. */
abstract class BaseScheduler implements Scheduler {
    protected final SchedulerConfig config;
    protected final NoiseSchedule noise;
    protected int[] timesteps;

    protected BaseScheduler(SchedulerConfig config) {
        this.config = config;
        this.noise = new NoiseSchedule(config);
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    @Override
    public NoiseSchedule noise() {
        return noise;
    }

    @Override
    public int[] timesteps() {
        if (timesteps == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": call setTimesteps first");
        }
        return timesteps.clone();
    }
}
