package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.relayed;
import static dev.anyrouter.it.Chunks.role;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A soak: two thousand chat-completions streams, 120 at a time, of every kind a client meets. Most are completed
 * answers; the others are clients that hang up mid-stream, upstreams that drop the connection, upstreams that
 * send an error event, and upstreams that refuse before the first byte: a 500 or a 429 on every try, or a 429
 * once and then the answer. Every stream ends as its kind should: the whole answer and {@code [DONE]}; the
 * upstream closed soon after its client left; the events sent and then one error chunk; or the refusal's own
 * status with a JSON body and {@code x-should-retry: false}. No response, and no error chunk, is a 503 the
 * gateway made up. Afterwards no relay is running and no upstream exchange is left open.
 */
class SoakIT {

    private static final int STREAMS = 2_000;
    private static final int CLIENTS = 120;
    private static final long SEED = 20_251_202L;
    /** The marker each request carries in its user message, which tells the upstream how to answer. */
    private static final Pattern MARKER = Pattern.compile("kind=(\\w+);id=(\\d+);n=(\\d+)");
    /** The events an aborting client reads (the role chunk and two contents) before it resets. */
    private static final int ABORT_READS = 3;
    /** An aborted stream's upstream would go on this many chunks, 20 ms apart, if nobody closed it. */
    private static final int ABORT_CHUNKS = 200;
    private static final long ABORT_CLOSE_WAIT_MS = 5_000;

    /** What the upstream does with a request, and how often (in percent) the soak asks for it. */
    enum Kind {
        COMPLETE(55), ABORT(10), DROP(8), IN_BAND_ERROR(7), REFUSED_500(8), REFUSED_429(6), RATE_LIMITED_ONCE(6);

        final int percent;

        Kind(int percent) {
            this.percent = percent;
        }

        static Kind pick(Random random) {
            int roll = random.nextInt(100);
            for (Kind kind : values()) {
                if (roll < kind.percent) {
                    return kind;
                }
                roll -= kind.percent;
            }
            throw new AssertionError("the percentages add up to 100");
        }
    }

    /** One planned stream: its kind, its id (unique in the soak) and its number of content chunks. */
    record Plan(Kind kind, int id, int n) {
    }

    /**
     * One stream as its client saw it: the status, the generation id, the body (or the events read before an
     * abort), how long after the client's reset the upstream was closed (-1: not within the wait, or not an
     * abort), and what was wrong with it ({@code null}: nothing).
     */
    record Result(Plan plan, int status, String generationId, String body, long upstreamClosedMs, String problem) {

        Result withProblem(String more) {
            return new Result(plan, status, generationId, body, upstreamClosedMs,
                    problem == null ? more : problem + "; " + more);
        }

        boolean synthesised503() {
            return status == 503 || body.contains("\"code\":503");
        }

        String describe() {
            String tail = body.length() > 240 ? "…" + body.substring(body.length() - 240) : body;
            return plan.kind + " #" + plan.id + " (n=" + plan.n + "): status " + status + ", " + problem + "; body "
                    + tail.replace("\n", "\\n");
        }
    }

    /** Upstream tries per stream id. */
    private final Map<Integer, AtomicInteger> tries = new ConcurrentHashMap<>();
    /** The latest upstream exchange of each stream id. */
    private final Map<Integer, ScriptedUpstream.Exchange> exchanges = new ConcurrentHashMap<>();
    private final Map<String, GenerationRecord> generations = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyStreamEndsAsItsKindShouldAndNothingIsLeftOpen() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                // A try's grace includes its wait for a connection to the one upstream, which hundreds of streams share:
                // a refused stream must be refused by its status, not committed because its try queued for 5 s.
                Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_WATCHED_COMMIT_GRACE_MS", "30000",
                        "ANYROUTER_COMMIT_GRACE_MS", "150")) {
            upstream.script(this::play);
            gateway.engine().onGeneration(record -> generations.put(record.id(), record));

            Random random = new Random(SEED);
            List<Plan> plans = new ArrayList<>();
            List<Callable<Result>> streams = new ArrayList<>();
            for (int id = 0; id < STREAMS; id++) {
                Plan plan = new Plan(Kind.pick(random), id, 5 + random.nextInt(26));
                plans.add(plan);
                streams.add(() -> run(gateway, plan));
            }
            long started = System.nanoTime();
            List<Result> results = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<Result>> futures = clients.invokeAll(streams, 60, TimeUnit.SECONDS);
                for (int i = 0; i < futures.size(); i++) {
                    try {
                        results.add(futures.get(i).get());
                    } catch (CancellationException late) {
                        results.add(new Result(plans.get(i), 0, null, "", -1, "not over within the soak's 60 s"));
                    }
                }
            } finally {
                clients.shutdownNow();
                clients.awaitTermination(5, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - started) / 1e9;

            boolean settled = settles(gateway, upstream);
            if (settled) {
                results.replaceAll(this::withBilledOutcome);
            }
            report(results, seconds, gateway, upstream);

            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(peak.get()).as("streams in flight at once, at the peak").isGreaterThanOrEqualTo(100);
            for (Kind kind : Kind.values()) {
                List<Result> wrong = results.stream().filter(r -> r.plan.kind == kind && r.problem != null).toList();
                long all = results.stream().filter(r -> r.plan.kind == kind).count();
                softly.assertThat(wrong.size()).as("%d of %d %s streams did not end as they should: %s; the first: %s",
                        wrong.size(), all, kind, problems(wrong), firstFew(wrong)).isZero();
            }
            List<Result> with503 = results.stream().filter(Result::synthesised503).toList();
            softly.assertThat(with503.size()).as("streams that got a 503 (status or error chunk); the first: %s",
                    firstFew(with503)).isZero();
            softly.assertThat(gateway.engine().runningRelays().active()).as("relays still running 10 s after the soak")
                    .isZero();
            softly.assertThat(upstream.openExchanges()).as("upstream exchanges still open 10 s after the soak")
                    .isZero();
            softly.assertAll();
        }
    }

    /** The upstream's side: answers each try as the marker in its request says. */
    private void play(ScriptedUpstream.Exchange x) throws Exception {
        Matcher marker = MARKER.matcher(x.body);
        if (!marker.find()) {
            x.json(400, "{\"error\":{\"message\":\"no soak marker in the request\"}}");
            return;
        }
        Kind kind = Kind.valueOf(marker.group(1));
        int id = Integer.parseInt(marker.group(2));
        int n = Integer.parseInt(marker.group(3));
        int attempt = tries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        exchanges.put(id, x);
        switch (kind) {
            case COMPLETE -> answer(x, id, n);
            case ABORT -> {
                x.sseHead().data(role());
                for (int i = 0; i < ABORT_CHUNKS && !x.closed(); i++) {
                    x.data(content(piece(id, i))).pause(20);
                }
            }
            case DROP -> {
                x.sseHead().data(role());
                for (int i = 0; i < n; i++) {
                    x.data(content(piece(id, i)));
                }
                // The events must be read by the gateway before the reset: a reset discards what its receiver has not
                // read yet. 50 ms was too short once on a loaded machine (JDK 25 in CI lost a DROP stream's events).
                x.pause(250);
                x.reset();
            }
            case IN_BAND_ERROR -> {
                x.sseHead().data(role());
                for (int i = 0; i < n; i++) {
                    x.data(content(piece(id, i)));
                }
                x.data("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}").end();
            }
            case REFUSED_500 -> x.json(500, "{\"error\":{\"message\":\"prompt poisoned\"}}");
            case REFUSED_429 -> {
                if (id % 2 == 0) {
                    x.json(429, "{\"error\":{\"message\":\"slow down\"}}");
                } else {
                    x.json(429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After: 0");
                }
            }
            case RATE_LIMITED_ONCE -> {
                if (attempt == 1) {
                    x.json(429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After: 0");
                } else {
                    answer(x, id, n);
                }
            }
        }
    }

    /** A complete answer: the role chunk, {@code n} contents with a few short pauses, the finish and [DONE]. */
    private static void answer(ScriptedUpstream.Exchange x, int id, int n) throws Exception {
        x.sseHead().data(role());
        for (int i = 0; i < n; i++) {
            x.data(content(piece(id, i)));
            if (ThreadLocalRandom.current().nextInt(3) == 0) {
                x.pause(ThreadLocalRandom.current().nextInt(4));
            }
        }
        x.data(finish("stop")).data("[DONE]").end();
    }

    private static String piece(int id, int i) {
        return "s" + id + "p" + i + " ";
    }

    /** The client's side of one stream, with what was wrong with it; never throws. */
    private Result run(Gateway gateway, Plan plan) {
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        RawClient client = null;
        int status = 0;
        String generationId = null;
        String body = "";
        long closedMs = -1;
        try {
            client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                    "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"kind=" + plan.kind + ";id=" + plan.id + ";n=" + plan.n + "\"}]}");
            status = client.status;
            generationId = client.headers.get("x-generation-id");
            if (plan.kind == Kind.ABORT && status == 200) {
                StringBuilder read = new StringBuilder();
                String event;
                for (int i = 0; i < ABORT_READS && (event = client.nextData()) != null; i++) {
                    read.append(event);
                }
                body = read.toString();
                client.reset();
                closedMs = upstreamClosedAfterReset(plan.id, System.nanoTime());
            } else {
                body = client.rest();
            }
            return new Result(plan, status, generationId, body, closedMs, problem(plan, client, body, closedMs));
        } catch (Exception e) {
            return new Result(plan, status, generationId, body, closedMs, "the client failed: " + e);
        } finally {
            inFlight.decrementAndGet();
            if (client != null) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // already reset
                }
            }
        }
    }

    /** Milliseconds from the client's reset until the gateway closed the stream's upstream; -1 if it did not. */
    private long upstreamClosedAfterReset(int id, long resetAt) throws Exception {
        try {
            return Math.max(0, TimeUnit.NANOSECONDS.toMillis(exchanges.get(id).awaitClosed(ABORT_CLOSE_WAIT_MS)
                    - resetAt));
        } catch (TimeoutException stillOpen) {
            return -1;
        }
    }

    /** What is wrong with one stream as its client saw it, or {@code null}. */
    private String problem(Plan plan, RawClient client, String body, long closedMs) {
        List<String> wrong = new ArrayList<>();
        String id = client.headers.get("x-generation-id");
        int tried = tries.getOrDefault(plan.id, new AtomicInteger()).get();
        int expectedTries = switch (plan.kind) {
            case REFUSED_500, REFUSED_429 -> -1; // at least two
            case RATE_LIMITED_ONCE -> 2;
            default -> 1;
        };
        if (id == null) {
            wrong.add("no x-generation-id");
        }
        switch (plan.kind) {
            case COMPLETE, RATE_LIMITED_ONCE -> {
                expectStatus(wrong, client, 200);
                if (!Chunks.withoutComments(body).equals(events(plan, id) + relayed(finish("stop"), id)
                        + "data: [DONE]\n\n")) {
                    wrong.add("not the whole answer and [DONE]");
                }
            }
            case ABORT -> {
                expectStatus(wrong, client, 200);
                if (!body.equals(relayed(role(), id) + relayed(content(piece(plan.id, 0)), id)
                        + relayed(content(piece(plan.id, 1)), id))) {
                    wrong.add("not the stream's first events");
                }
                if (client.status == 200 && closedMs < 0) {
                    wrong.add("upstream still open " + ABORT_CLOSE_WAIT_MS + " ms after the client reset");
                }
            }
            case DROP, IN_BAND_ERROR -> {
                expectStatus(wrong, client, 200);
                String error = plan.kind == Kind.DROP ? "upstream 'openai' connection failed mid-stream"
                        : "upstream 'openai' failed mid-stream: boom";
                if (!Chunks.withoutComments(body).equals(events(plan, id) + errorChunk(id, error))) {
                    wrong.add("not the events and then one error chunk (" + error + ")");
                }
            }
            case REFUSED_500 -> refusal(wrong, client, body, 502, "prompt poisoned");
            case REFUSED_429 -> refusal(wrong, client, body, 429, "slow down");
        }
        if (expectedTries > 0 ? tried != expectedTries : tried < 2) {
            wrong.add("upstream tries: " + tried);
        }
        return wrong.isEmpty() ? null : String.join("; ", wrong);
    }

    private static void expectStatus(List<String> wrong, RawClient client, int status) {
        if (client.status != status) {
            wrong.add("status " + client.status + " instead of " + status);
        }
    }

    /** A failure before the first byte: its own status, a JSON error and word that the gateway already retried. */
    private static void refusal(List<String> wrong, RawClient client, String body, int status, String message) {
        expectStatus(wrong, client, status);
        if (!"application/json".equals(client.headers.get("content-type"))
                || !body.startsWith("{\"error\":{\"code\":" + status + ",") || !body.contains(message)) {
            wrong.add("not a JSON " + status + " error");
        }
        if (!"false".equals(client.headers.get("x-should-retry"))) {
            wrong.add("x-should-retry: " + client.headers.get("x-should-retry"));
        }
    }

    /** The role chunk and the plan's contents, as the client must receive them. */
    private static String events(Plan plan, String id) {
        StringBuilder events = new StringBuilder(relayed(role(), id));
        for (int i = 0; i < plan.n; i++) {
            events.append(relayed(content(piece(plan.id, i)), id));
        }
        return events.toString();
    }

    /** The chunk that ends a chat-completions stream that failed after it started. */
    private static String errorChunk(String id, String message) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o\",\"error\":{\"code\":502,\"message\":\"" + message + "\"},\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n";
    }

    /** Waits up to 10 s until no relay runs and the upstream has no open exchange; false if that never came. */
    private static boolean settles(Gateway gateway, ScriptedUpstream upstream) {
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> gateway.engine().runningRelays().active() == 0 && upstream.openExchanges() == 0);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** The result, with a problem added when the generation was billed with another outcome than its kind's. */
    private Result withBilledOutcome(Result result) {
        if (result.generationId == null) {
            return result;
        }
        Generation.Outcome expected = switch (result.plan.kind) {
            case COMPLETE, RATE_LIMITED_ONCE -> Generation.Outcome.COMPLETED;
            case ABORT -> Generation.Outcome.CANCELLED;
            default -> Generation.Outcome.FAILED;
        };
        GenerationRecord record = generations.get(result.generationId);
        if (record == null) {
            return result.withProblem("no generation record");
        }
        return record.outcome() == expected ? result
                : result.withProblem("billed as " + record.outcome() + " instead of " + expected);
    }

    private void report(List<Result> results, double seconds, Gateway gateway, ScriptedUpstream upstream) {
        Map<Kind, Map<Integer, Integer>> statuses = new EnumMap<>(Kind.class);
        Map<Kind, int[]> counts = new EnumMap<>(Kind.class);
        for (Result result : results) {
            statuses.computeIfAbsent(result.plan.kind, k -> new TreeMap<>()).merge(result.status, 1, Integer::sum);
            int[] count = counts.computeIfAbsent(result.plan.kind, k -> new int[2]);
            count[0]++;
            if (result.problem == null) {
                count[1]++;
            }
        }
        long slowestClose = results.stream().mapToLong(Result::upstreamClosedMs).max().orElse(-1);
        StringBuilder summary = new StringBuilder(String.format("SoakIT: %d streams in %.1f s, at most %d at once; "
                + "%d upstream tries; slowest upstream close after an abort %d ms; then relays running %d, upstream "
                + "exchanges open %d%n", results.size(), seconds, peak.get(),
                tries.values().stream().mapToInt(AtomicInteger::get).sum(), slowestClose,
                gateway.engine().runningRelays().active(), upstream.openExchanges()));
        counts.forEach((kind, count) -> summary.append(String.format("SoakIT: %-17s %4d streams, %4d as they "
                + "should; statuses %s%n", kind, count[0], count[1], statuses.get(kind))));
        System.out.print(summary);
    }

    /** How many streams had each problem: {@code [problem] ×count | …}. */
    private static String problems(List<Result> wrong) {
        return wrong.stream().collect(Collectors.groupingBy(Result::problem, TreeMap::new, Collectors.counting()))
                .entrySet().stream().map(e -> "[" + e.getKey() + "] ×" + e.getValue())
                .collect(Collectors.joining(" | "));
    }

    private static String firstFew(List<Result> results) {
        return results.stream().limit(3).map(Result::describe).collect(Collectors.joining("\n  ", "\n  ", ""));
    }
}
