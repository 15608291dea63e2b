package dev.anyrouter.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.config.Price;
import dev.anyrouter.routing.Route;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * What one generation delivered, built up by its relay thread and billed when it ends. Counts only what reached
 * the client: a chunk is counted once its write succeeded.
 *
 * <p>Billing: a request never sent upstream, or that the upstream refused (an error status) or failed (no answer
 * before a timeout), costs nothing. A request sent upstream whose client left before the upstream's answer costs
 * its prompt: the upstream has processed it. Otherwise the upstream's own usage numbers are billed where it
 * reported them; where it did not (a stream cancelled or broken before its usage arrived), the prompt tokens are
 * counted from the request and the completion tokens from exactly the text the client received
 * ({@link TokenCounter}). An explicit upstream number is never replaced by a count.
 *
 * <p>Memory: the delivered text is kept whole up to {@link #KEPT_TEXT} characters (exact counts, and the record's
 * text for tests and listeners); beyond that only a tally is kept, estimated at four characters a token, unless
 * the upstream reports its usage.
 *
 * <p>A generation of a limited key has a credit cap (its reservation): once what it has delivered costs that much,
 * {@link #cap} 's callback runs, and the relay ends the stream.
 */
public final class Generation implements Tally {

    /** How a generation ended. */
    public enum Outcome { COMPLETED, CANCELLED, FAILED }

    private final String id;
    private final String keyId;
    private Route route;
    private final boolean streamed;
    private Price price;
    private final Prompt prompt;
    private final Instant createdAt = Instant.now();
    private final long startNanos = System.nanoTime();
    /** Delivered text kept whole; more is only counted. */
    static final int KEPT_TEXT = 256 * 1024;

    private final StringBuilder completion = new StringBuilder();
    /** Tokens of the delivered text beyond {@link #KEPT_TEXT}, estimated. */
    private long overflowTokens;
    private boolean overflowed;
    private volatile boolean sent;
    private CreditBudget budget;
    private long budgetPromptTokens;
    private long budgetedTokens;
    private long largestChunk;
    private TokenCounter counter;
    private Runnable onBudgetSpent;
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
    public Generation(String id, String keyId, Route route, boolean streamed, Price price, ClientApi api,
            JsonNode request) {
        this.id = Objects.requireNonNull(id, "id");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.route = Objects.requireNonNull(route, "route");
        this.streamed = streamed;
        this.price = Objects.requireNonNull(price, "price");
        this.prompt = new Prompt(Objects.requireNonNull(api, "api"), Objects.requireNonNull(request, "request"));
    }

    @Override
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
        counter = null;
        fallbacks++;
    }

    /** The same model is tried again after a failure. */
    public void retried() {
        retries++;
    }

    /** The HTTP status the upstream answered with (for metrics: a failure's status class). */
    public void upstreamStatus(int status) {
        upstreamStatus = status;
        if (status < 200 || status > 299) {
            sent = false; // refused: nothing it processed is billed
        }
    }

    /** The request reached the upstream (its body was sent): from now on its prompt is billed, whatever happens. */
    public void sent() {
        sent = true;
    }

    /**
     * Caps what the generation may cost: each time the text delivered so far, with a prompt of {@code promptTokens},
     * costs the credit reserved for it, the budget is asked for more; when it has none, {@code onSpent} runs, once,
     * on the relay thread.
     */
    public void budget(CreditBudget credit, long promptTokens, Runnable onSpent) {
        budget = Objects.requireNonNull(credit, "credit");
        budgetPromptTokens = promptTokens;
        onBudgetSpent = Objects.requireNonNull(onSpent, "onSpent");
    }

    /** The upstream answered with a success status: from now on the generation is billed. */
    public synchronized void accepted() {
        accepted = true;
        prompt.settle(); // no more fallbacks: the model serving it is final
    }

    /** The model the upstream says served the request (such as a dated snapshot of the one asked for). */
    @Override
    public synchronized void servedModel(String model) {
        if (model != null && !model.isEmpty() && servedModel == null) {
            servedModel = model;
        }
    }

    /** A completion chunk reached the client; {@code text} is its content, reasoning and tool-argument text. */
    @Override
    public synchronized void delivered(CharSequence text) {
        if (firstChunkNanos < 0) {
            firstChunkNanos = System.nanoTime();
        }
        chunks++;
        if (!overflowed && completion.length() + text.length() <= KEPT_TEXT) {
            completion.append(text);
        } else {
            overflowed = true;
            overflowTokens += (text.length() + 3) / 4; // estimated: counting every chunk of a huge answer costs CPU
        }
        if (onBudgetSpent != null) {
            long tokens = counter().text(text);
            budgetedTokens += tokens;
            largestChunk = Math.max(largestChunk, tokens);
            spend(price.cost(budgetPromptTokens, budgetedTokens), price.cost(0, largestChunk));
        }
    }

    /**
     * Asks the budget for more while the next chunk, as large as the largest so far, could take {@code cost} past
     * it; ends the generation's stream when it has none, so that it stays within what was reserved for it.
     */
    private void spend(BigDecimal cost, BigDecimal nextChunk) {
        boolean more = true;
        while (more && cost.add(nextChunk).compareTo(budget.reserved()) > 0) {
            try {
                more = budget.more().signum() > 0;
            } catch (RuntimeException e) { // the store failed: the budget cannot be trusted to grow
                more = false;
            }
        }
        if (!more) {
            Runnable spent = onBudgetSpent;
            onBudgetSpent = null;
            spent.run();
        }
    }

    /** The serving model's counter, looked up once: {@link #delivered} may count every chunk. */
    private TokenCounter counter() {
        if (counter == null) {
            counter = TokenCounter.forModel(route.upstreamModel());
        }
        return counter;
    }

    @Override
    public void finishReason(String reason) {
        finishReason = reason;
    }

    /**
     * Usage as the upstream reported it; a {@code null} part was not reported and keeps its earlier value. Only
     * final numbers belong here: a provisional output count (Anthropic's {@code message_start}) does not.
     */
    @Override
    public synchronized void usage(Long prompt, Long completionCount) {
        if (prompt != null) {
            promptTokens = prompt;
        }
        if (completionCount != null) {
            completionTokens = completionCount;
        }
    }

    @Override
    public BigDecimal cost() {
        return bill().cost();
    }

    /** What the generation costs so far, while it runs. */
    public Bill bill() {
        return progress().bill(Outcome.COMPLETED);
    }

    /**
     * What the generation has delivered so far, copied under its lock so that another thread (the ledger's
     * in-flight journal, see {@code store/InFlight.java}) can bill it, counting tokens outside the lock.
     */
    public GenerationProgress progress() {
        return progress(CountedText.NONE);
    }

    /**
     * As {@link #progress()}, with only the delivered text after {@code counted}: the in-progress journal counts
     * the text a piece at a time ({@link GenerationProgress#countedAfter}).
     */
    public synchronized GenerationProgress progress(CountedText counted) {
        boolean usage = completionTokens != null;
        return new GenerationProgress(keyId, route, price, prompt, sent, accepted, promptTokens, completionTokens,
                usage ? CountedText.NONE : counted, usage ? "" : completion.substring(counted.chars()),
                overflowTokens, chunks, servedModel, streamed,
                createdAt, firstChunkNanos < 0 ? null : (firstChunkNanos - startNanos) / 1_000_000,
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Ends the generation and bills it; runs once, after the client's response is finished. */
    public GenerationRecord end(Outcome outcome, String error) {
        long now = System.nanoTime();
        Bill bill = progress().bill(outcome);
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
