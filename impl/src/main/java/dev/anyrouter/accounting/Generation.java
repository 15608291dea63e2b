package dev.anyrouter.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Api;
import dev.anyrouter.routing.Route;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * What one generation delivered, built up by its relay thread and billed when it ends. Counts only what reached
 * the client: a chunk is counted once its write succeeded.
 *
 * <p>Billing: a request the upstream refused (an error status) costs nothing. Otherwise the upstream's own usage
 * numbers are billed where it reported them; where it did not (a stream cancelled or broken before its usage
 * arrived), the prompt tokens are counted from the request and the completion tokens from exactly the text the
 * client received ({@link TokenCounter}). An explicit upstream number is never replaced by a count.
 */
public final class Generation {

    /** How a generation ended. */
    public enum Outcome { COMPLETED, CANCELLED, FAILED }

    private final String id;
    private final String keyId;
    private Route route;
    private final boolean streamed;
    private Price price;
    private final Api api;
    private final JsonNode request;
    private final Instant createdAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private final StringBuilder completion = new StringBuilder();
    private String servedModel;
    private boolean accepted;
    private int upstreamStatus;
    private int retries;
    private int fallbacks;
    private long firstChunkNanos = -1;
    private int chunks;
    private String finishReason;
    private Long promptTokens;
    private Long completionTokens;

    /**
     * @param keyId   the client key's id, billed for it
     * @param price   the requested model's price
     * @param api     the client's API, in which {@code request} is written
     * @param request the client's request body, for counting its prompt tokens if the upstream never does
     */
    public Generation(String id, String keyId, Route route, boolean streamed, Price price, Api api,
            JsonNode request) {
        this.id = Objects.requireNonNull(id, "id");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.route = Objects.requireNonNull(route, "route");
        this.streamed = streamed;
        this.price = Objects.requireNonNull(price, "price");
        this.api = Objects.requireNonNull(api, "api");
        this.request = Objects.requireNonNull(request, "request");
    }

    public String id() {
        return id;
    }

    /**
     * A fallback model serves the request instead (before anything reached the client): the ledger names it and
     * bills its price.
     */
    public synchronized void retarget(Route fallback, Price fallbackPrice) {
        route = Objects.requireNonNull(fallback, "fallback");
        price = Objects.requireNonNull(fallbackPrice, "fallbackPrice");
        servedModel = null;
        fallbacks++;
    }

    /** The same model is tried again after a failure. */
    public void retried() {
        retries++;
    }

    /** The HTTP status the upstream answered with (for metrics: a failure's status class). */
    public void upstreamStatus(int status) {
        upstreamStatus = status;
    }

    /** The upstream answered with a success status: from now on the generation is billed. */
    public synchronized void accepted() {
        accepted = true;
    }

    /** The model the upstream says served the request (such as a dated snapshot of the one asked for). */
    public synchronized void servedModel(String model) {
        if (model != null && !model.isEmpty() && servedModel == null) {
            servedModel = model;
        }
    }

    /** A completion chunk reached the client; {@code text} is its content, reasoning and tool-argument text. */
    public synchronized void delivered(CharSequence text) {
        if (firstChunkNanos < 0) {
            firstChunkNanos = System.nanoTime();
        }
        chunks++;
        completion.append(text);
    }

    public void finishReason(String reason) {
        finishReason = reason;
    }

    /**
     * Usage as the upstream reported it; a {@code null} part was not reported and keeps its earlier value. Only
     * final numbers belong here: a provisional output count (Anthropic's {@code message_start}) does not.
     */
    public synchronized void usage(Long prompt, Long completionCount) {
        if (prompt != null) {
            promptTokens = prompt;
        }
        if (completionCount != null) {
            completionTokens = completionCount;
        }
    }

    /**
     * What the generation costs now: the upstream's usage where it reported it, the rest counted; nothing before
     * the upstream accepted the request.
     *
     * @param promptTokens     prompt tokens billed
     * @param completionTokens completion tokens billed
     * @param counted          whether a part was counted by the gateway rather than reported by the upstream
     * @param cost             USD, exact
     */
    public record Bill(long promptTokens, long completionTokens, boolean counted, BigDecimal cost) {
    }

    public Bill bill() {
        return progress().bill();
    }

    /**
     * What the generation has delivered so far, copied under its lock so that another thread (the ledger's
     * in-flight journal, see {@code store/Journal.java}) can bill it, counting tokens outside the lock.
     */
    public synchronized Progress progress() {
        return new Progress(keyId, route, price, api, request, accepted, promptTokens, completionTokens,
                completionTokens != null ? "" : completion.toString(), chunks, servedModel, streamed, createdAt,
                firstChunkNanos < 0 ? null : (firstChunkNanos - startNanos) / 1_000_000,
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** A copy of a generation's state at one moment: {@link #bill()} bills it as the generation would then. */
    public record Progress(String keyId, Route route, Price price, Api api, JsonNode request, boolean accepted,
            Long promptTokens, Long completionTokens, String completion, int chunks, String servedModel,
            boolean streamed, Instant createdAt, Long firstChunkMillis, long totalMillis) {

        public Bill bill() {
            if (!accepted) {
                return new Bill(0, 0, false, BigDecimal.ZERO);
            }
            TokenCounter counter = promptTokens != null && completionTokens != null ? null
                    : TokenCounter.forModel(route.upstreamModel());
            long prompt = promptTokens != null ? promptTokens : counter.prompt(api, request);
            long completed = completionTokens != null ? completionTokens : counter.text(completion);
            return new Bill(prompt, completed, counter != null, Price.normal(price.cost(prompt, completed)));
        }
    }

    /** Ends the generation and bills it; runs once, after the client's response is finished. */
    public GenerationRecord end(Outcome outcome, String error) {
        long now = System.nanoTime();
        Bill bill = bill();
        synchronized (this) { // the relay thread's own state; the lock orders it with progress()
            return new GenerationRecord(id, keyId, route.requestedModel(),
                    servedModel != null ? servedModel : route.upstreamModel(), route.upstream().name(), streamed,
                    outcome, finishReason, chunks, completion.toString(), bill.promptTokens(), bill.completionTokens(),
                    bill.counted(), bill.cost(), firstChunkNanos < 0 ? null : (firstChunkNanos - startNanos) / 1_000_000,
                    (now - startNanos) / 1_000_000, createdAt, error, upstreamStatus, retries,
                    fallbacks);
        }
    }
}
