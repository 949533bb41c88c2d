package org.diffuda.cli;

import java.util.Arrays;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code diffuda <command> [options]}. Commands parse options and call library code; nothing more. */
@Command(name = "diffuda", mixinStandardHelpOptions = true, version = "diffuda 0.1.0",
        description = "Domain-adaptive semantic segmentation with diffusion models.",
        subcommands = {DemoCommand.class, BenchmarkCommand.class, TrainSegCommand.class, EvaluateCommand.class, BenchCommand.class, PriorCommand.class, DiffusionCommand.class, AdaptCommand.class, RcsCommand.class, TranslateCommand.class, TransferCommand.class, ControlNetCommand.class, FinetuneCommand.class, PersonalizeCommand.class, GenerateCommand.class,
                LeaderboardCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs a command line and returns the exit code (tests call this). Every failure is one line on
     * stderr: "diffuda: error: ..." (exit 2) for bad input, "diffuda: internal error: ..." (exit 1)
     * for a bug, with the stack trace only under {@code --verbose}.
     */
    public static int run(String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
        try {
            Engines.configure(threadsFrom(args));
            CommandLine cl = new CommandLine(new Main());
            ConfigDefaults config = ConfigDefaults.fromArgs(args);
            cl.setDefaultValueProvider(config);
            cl.setExecutionStrategy(parse -> {
                try {
                    config.checkKeys(parse);
                } catch (DiffudaException e) {
                    return report(e, err, verbose);
                }
                return new CommandLine.RunLast().execute(parse);
            });
            // a bad option is one line naming it, not the usage page (that is --help)
            cl.setParameterExceptionHandler((ex, args2) -> {
                CommandLine c = ex.getCommandLine();
                c.getErr().println("diffuda: error: " + org.diffuda.util.Json.firstLine(ex.getMessage())
                        + " (diffuda " + c.getCommandSpec().qualifiedName(" ").replaceFirst("^diffuda ?", "") + " --help)");
                c.getErr().flush();
                return 2;
            });
            cl.setExecutionExceptionHandler((ex, cmd, parse) -> report(ex, cmd.getErr(), verbose));
            return cl.execute(args);
        } catch (RuntimeException | Error e) {
            return report(e, err, verbose);
        }
    }

    private static int report(Throwable ex, java.io.PrintWriter err, boolean verbose) {
        Throwable e = ex;
        while (!(e instanceof DiffudaException) && e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        if (!(e instanceof DiffudaException)) {
            // an I/O failure anywhere (disk full, a read-only or missing folder) is the environment's, not a bug
            for (Throwable c = ex; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof java.io.IOException io) {
                    e = new DiffudaException("I/O: " + org.diffuda.util.AtomicFiles.ioReason(io), io);
                    break;
                }
            }
        }
        if (e instanceof DiffudaException) {
            err.println("diffuda: error: " + org.diffuda.util.Json.firstLine(e.getMessage()));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 2;
        }
        err.println("diffuda: internal error: " + org.diffuda.util.Json.firstLine(String.valueOf(ex))
                + (verbose ? "" : " (--verbose shows where)"));
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
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
