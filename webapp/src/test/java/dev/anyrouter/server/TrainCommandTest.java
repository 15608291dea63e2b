package dev.anyrouter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The build's AOT training run ({@code anyrouter train}) works on every JDK, and leaves nothing behind. */
class TrainCommandTest {

    @Test
    void answersEveryRequestOfTheWorkloadAndDeletesItsDataFolder() throws Exception {
        List<Path> before = trainingFolders();
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new Main()).setOut(new PrintWriter(out));

        int exit = command.execute("train", "--requests", "40", "--parallel", "4");

        assertThat(out.toString()).contains("anyrouter train: 40 requests, 0 failed");
        assertThat(exit).isZero();
        assertThat(trainingFolders()).as("temporary data folders left").isEqualTo(before);
    }

    private static List<Path> trainingFolders() throws IOException {
        try (Stream<Path> temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return temp.filter(p -> p.getFileName().toString().startsWith("anyrouter-train-")).sorted()
                    .collect(Collectors.toList());
        }
    }
}
