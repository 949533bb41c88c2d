package org.diffuda.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** What {@code --help} shows a user: every option of every command says what it is for. */
class HelpTextTest {
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
