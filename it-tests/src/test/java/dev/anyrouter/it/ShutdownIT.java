package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful shutdown of the embedded server: new requests are refused, running streams may finish within
 * {@code ANYROUTER_SHUTDOWN_GRACE_MS}, the rest end with an error event and their upstreams are aborted, and every
 * generation is in the ledger afterwards.
 */
class ShutdownIT {

    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;
    private ScriptedUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void aStreamThatFinishesWithinTheGraceIsNotCut() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("a")).pause(600).data(content("b"))
                .data(finish("stop")).data("[DONE]").end());
        Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_SHUTDOWN_GRACE_MS", "5000");
        try (RawClient client = post(gateway)) {
            client.nextData();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close);

            assertThat(Chunks.withoutComments(client.rest())).contains("\"content\":\"b\"")
                    .doesNotContain("shutting down").endsWith("data: [DONE]\n\n");
            closing.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesNewRequestsAndEndsStreamsStillRunningAfterTheGrace() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("partial")).awaitClosed(30_000));
        Path data = Files.createDirectories(dir.resolve("data"));
        Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_SHUTDOWN_GRACE_MS", "800",
                "ANYROUTER_DATA_DIR", data.toString());
        RawClient client = post(gateway);
        String id = client.headers.get("x-generation-id");
        client.nextData();
        ScriptedUpstream.Exchange exchange = upstream.next();

        long start = System.nanoTime();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.engine().runningRelays().draining());
        try (RawClient late = post(gateway)) {
            assertThat(late.status).as("a request during the drain").isEqualTo(503);
            assertThat(late.rest()).contains("shutting down");
            assertThat(late.headers).containsEntry("retry-after", "1");
        }

        String rest = client.rest();
        assertThat(rest).contains("\"content\":\"partial\"").contains("\"code\":503").contains("shutting down")
                .contains("\"finish_reason\":\"error\"");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ended after the grace")
                .isGreaterThanOrEqualTo(700);
        exchange.awaitClosed(3_000);
        closing.get(15, TimeUnit.SECONDS); // no "Jetty did not stop cleanly"
        client.close();

        try (Database db = Database.open(StorageConfig.embedded(data));
                Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT outcome, tokens_completion FROM generations WHERE id = '" + id
                        + "'")) {
            assertThat(rs.next()).as("the cut stream is in the ledger").isTrue();
            assertThat(rs.getString(1)).isEqualTo("failed");
            assertThat(rs.getLong(2)).isPositive();
        }
    }

    private static RawClient post(Gateway gateway) throws Exception {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, REQUEST);
    }
}
