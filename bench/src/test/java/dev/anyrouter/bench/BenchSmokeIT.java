package dev.anyrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The benchmark's quick run works end to end: the simulator, the gateways and the byte proxy in JVMs of their own,
 * every scenario, every stream checked.
 */
class BenchSmokeIT {

    @Test
    void quickRunCompletesWithEveryStreamIntact() {
        PrintStream console = System.out;
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int exit;
        try (PrintStream capture = new PrintStream(report, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            exit = new CommandLine(new Bench()).execute("--quick", "--jar", "../webapp/target/anyrouter.jar");
        } finally {
            System.setOut(console);
        }
        String output = report.toString(StandardCharsets.UTF_8);
        console.print(output);

        assertThat(exit).isZero();
        assertThat(output).contains("time to first token, 1 stream at a time").contains("relayed chunks/s")
                .contains("100 open streams").contains("client hang-up -> upstream closed, tokens flowing")
                .contains("AnyRouter against the Jetty byte proxy").contains("relay CPU per relayed event")
                .contains("added worst inter-chunk gap, 50 paced streams").contains("relayed chunks/s at saturation")
                .contains("first 50 streams after a start").contains("100 idle streams (idle)")
                .contains("150 idle streams (h2)").doesNotContain("FAILED");
    }
}
