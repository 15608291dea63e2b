package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.REQUEST;
import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.accounting.GenerationRecord;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway logs and sends upstream: a client's disconnect is no failure (no warning, no error text on
 * its ledger row), and the upstream gets one {@code User-Agent} and an {@code Accept-Encoding} that asks for the
 * bytes as they are.
 */
class LoggingIT {

    private static final Logger GATEWAY = Logger.getLogger("dev.anyrouter");

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        GATEWAY.addHandler(capture);
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
        GATEWAY.removeHandler(capture);
    }

    @Test
    void aClientThatLeavesMidStreamIsNoFailureAndItsRowHasNoErrorText() throws Exception {
        for (int round = 0; round < 4; round++) {
            boolean reset = round % 2 == 0;
            upstream.script(x -> x.streamUntilClosed(30, 1_000, i -> i == 0 ? role() : content(" more")));
            RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                    REQUEST);
            String id = client.headers.get("x-generation-id");
            client.nextData();
            client.nextData();
            if (reset) {
                client.reset();
            } else {
                client.close();
            }
            upstream.next().awaitClosed(5_000);

            GenerationRecord row = gateway.generation(id);
            assertThat(row.cancelled()).as("round %d: %s", round, row).isTrue();
            assertThat(row.error()).as("round %d", round).isNull();
        }
        assertThat(records).filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .extracting(LogRecord::getMessage).isEmpty();
    }

    @Test
    void aClientThatLeavesBeforeTheUpstreamAnswersIsNoFailureEither() throws Exception {
        List<GenerationRecord> ended = new CopyOnWriteArrayList<>();
        try (Gateway held = Gateway.against(upstream.baseUri(), "ANYROUTER_COMMIT_GRACE_MS", "5000")) {
            held.engine().onGeneration(ended::add);
            upstream.script(x -> x.awaitClosed(30_000)); // never answers
            for (int round = 0; round < 4; round++) {
                RawClient client = RawClient.connect(held.uri()).postOnly("/api/v1/chat/completions",
                        Gateway.BEARER, REQUEST);
                ScriptedUpstream.Exchange exchange = upstream.next();
                if (round % 2 == 0) {
                    client.reset();
                } else {
                    client.close();
                }
                exchange.awaitClosed(5_000);
                int rows = round + 1;
                await().atMost(Duration.ofSeconds(5)).until(() -> ended.size() == rows);
                assertThat(ended.get(round).cancelled()).as("round %d: %s", round, ended.get(round)).isTrue();
                assertThat(ended.get(round).error()).as("round %d", round).isNull();
            }
        }
        assertThat(records).filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .extracting(LogRecord::getMessage).isEmpty();
    }

    @Test
    void anUpstreamThatBreaksMidStreamIsLoggedOnceWithItsCause() throws Exception {
        upstream.script(x -> {
            x.sseHead();
            x.data(role()).data(content("half an ans"));
            x.reset();
        });
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.rest()).contains("\"finish_reason\":\"error\"");

            List<String> warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                    .map(LogRecord::getMessage).toList();
            assertThat(warnings).as("one line for the failure").hasSize(1);
            assertThat(warnings.get(0)).contains("generation " + id, "upstream 'openai' endpoint 0 (127.0.0.1)",
                    "failed", "(cause: ");
        }
    }

    @Test
    void sendsOneUserAgentAndAsksForUncompressedBytes() throws Exception {
        upstream.script(x -> x.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[]}"));
        RawClient client = RawClient.connect(gateway.uri()).postOnly("/api/v1/chat/completions", Gateway.BEARER,
                "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        String head = upstream.next().rawHead.toLowerCase(Locale.ROOT);
        assertThat(count(head, "\r\nuser-agent:")).isEqualTo(1);
        assertThat(head).contains("\r\nuser-agent: anyrouter");
        assertThat(count(head, "\r\naccept-encoding:")).isEqualTo(1);
        assertThat(head).contains("\r\naccept-encoding: identity\r\n");
        client.close();
    }

    private static int count(String text, String part) {
        Matcher matcher = Pattern.compile(Pattern.quote(part)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
