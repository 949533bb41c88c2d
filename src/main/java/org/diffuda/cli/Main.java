package org.diffuda.cli;

import java.util.Arrays;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code diffuda <command> [options]}. Commands parse options and call library code; nothing more. */
@Command(name = "diffuda", mixinStandardHelpOptions = true, version = "diffuda 0.1.0",
        description = "Domain-adaptive semantic segmentation with diffusion models.",
        subcommands = {DemoCommand.class, BenchmarkCommand.class, TrainSegCommand.class, EvaluateCommand.class, BenchCommand.class, PriorCommand.class, DiffusionCommand.class, AdaptCommand.class, TranslateCommand.class, ControlNetCommand.class, FinetuneCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        Engines.configure(threadsFrom(args));
        CommandLine cl = new CommandLine(new Main());
        cl.setDefaultValueProvider(ConfigDefaults.fromArgs(args));
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            Throwable e = ex;
            while (!(e instanceof DiffudaException) && e.getCause() != null && e.getCause() != e) {
                e = e.getCause();
            }
            if (e instanceof DiffudaException) {
                cmd.getErr().println("diffuda: error: " + e.getMessage());
                return 2;
            }
            cmd.getErr().println("diffuda: internal error: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    private static Integer threadsFrom(String[] args) {
        int i = Arrays.asList(args).indexOf("--threads");
        if (i >= 0 && i + 1 < args.length) {
            try {
                return Integer.parseInt(args[i + 1]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
