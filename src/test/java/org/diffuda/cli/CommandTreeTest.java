package org.diffuda.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every command of the tree, as a user meets it: {@code --help} says what each option is for, and a malformed number is refused in one line. */
class CommandTreeTest {
    @Test
    void everyOptionOfEveryCommandIsDescribed() {
        List<String> bare = new ArrayList<>();
        walk(new CommandLine(new Main()), bare);
        assertTrue(bare.isEmpty(), "options without a description: " + bare);
    }

    @Test
    void everyCommandIsDescribed() {
        List<String> bare = new ArrayList<>();
        walkCommands(new CommandLine(new Main()), bare);
        assertTrue(bare.isEmpty(), "commands without a description: " + bare);
    }

    @Test
    void aMalformedNumberIsRefusedInOneLineNamingTheOption() {
        List<String[]> cases = new ArrayList<>();
        numbers(new CommandLine(new Main()), cases);
        assertTrue(cases.size() > 50, "found " + cases.size() + " numeric options");
        List<String> wrong = new ArrayList<>();
        for (String[] args : cases) {
            CliTest.Run r = CliTest.run(args);
            String option = args[args.length - 2], err = r.err().strip();
            if (r.code() != 2 || err.contains("\n") || !err.contains("'" + option + "'") || !r.out().isEmpty()) {
                wrong.add(String.join(" ", args) + " -> exit " + r.code() + ": " + err);
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    /** One case per option taking a number (or a list of numbers): the command path, the option, a word. */
    private static void numbers(CommandLine c, List<String[]> cases) {
        CommandSpec s = c.getCommandSpec();
        for (OptionSpec o : s.options()) {
            Class<?> t = o.isMultiValue() && o.auxiliaryTypes().length > 0 ? o.auxiliaryTypes()[0] : o.type();
            if (Number.class.isAssignableFrom(t) || (t.isPrimitive() && t != boolean.class)) {
                List<String> args = new ArrayList<>(List.of(s.qualifiedName().split(" ")).subList(1, s.qualifiedName().split(" ").length));
                args.add(o.longestName());
                args.add("twelve");
                cases.add(args.toArray(String[]::new));
            }
        }
        c.getSubcommands().values().stream().distinct().forEach(sub -> numbers(sub, cases));
    }

    private static void walk(CommandLine c, List<String> bare) {
        CommandSpec s = c.getCommandSpec();
        for (OptionSpec o : s.options()) {
            if (String.join("", o.description()).isBlank()) {
                bare.add(s.qualifiedName() + " " + o.longestName());
            }
        }
        c.getSubcommands().values().stream().distinct().forEach(sub -> walk(sub, bare));
    }

    private static void walkCommands(CommandLine c, List<String> bare) {
        CommandSpec s = c.getCommandSpec();
        if (String.join("", s.usageMessage().description()).isBlank()) {
            bare.add(s.qualifiedName());
        }
        c.getSubcommands().values().stream().distinct().forEach(sub -> walkCommands(sub, bare));
    }
}
