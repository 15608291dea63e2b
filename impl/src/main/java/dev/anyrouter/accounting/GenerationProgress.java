package dev.anyrouter.accounting;

import dev.anyrouter.config.Price;
import dev.anyrouter.routing.Route;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A copy of a {@link Generation}'s state at one moment: {@link #bill} bills it as the generation would then.
 * {@code completion} is the delivered text after what {@code counted} says was counted already (all of it, unless
 * the copy was taken for the in-progress journal).
 */
public record GenerationProgress(String keyId, Route route, Price price, Prompt prompt, boolean sent,
        boolean accepted, Long promptTokens, Long completionTokens, CountedText counted, String completion,
        long overflowTokens, int chunks, String servedModel, boolean streamed, Instant createdAt,
        Long firstChunkMillis, long totalMillis) {

    /** The bill if the generation ended now with {@code outcome}. */
    public Bill bill(Generation.Outcome outcome) {
        TokenCounter counter = TokenCounter.forModel(route.upstreamModel());
        if (!accepted) {
            if (sent && outcome == Generation.Outcome.CANCELLED) { // the upstream had the prompt
                long prompt = promptTokens != null ? promptTokens : this.prompt.tokens(counter);
                return new Bill(prompt, 0, promptTokens == null, Price.normal(price.cost(prompt, 0)));
            }
            return new Bill(0, 0, false, BigDecimal.ZERO);
        }
        boolean counted = promptTokens == null || completionTokens == null;
        long prompt = promptTokens != null ? promptTokens : this.prompt.tokens(counter);
        long completed = completionTokens != null ? completionTokens
                : this.counted.tokens() + counter.text(completion) + overflowTokens;
        return new Bill(prompt, completed, counted, Price.normal(price.cost(prompt, completed)));
    }

    /**
     * What the journal has counted once {@code bill} (this copy's) is written: the delivered text up to its last
     * word boundary. The few characters after it are counted again at the next pass.
     */
    public CountedText countedAfter(Bill bill) {
        if (!accepted || completionTokens != null) {
            return counted; // nothing was counted: the text is not billed yet, or the upstream's usage is
        }
        int cut = CountedText.boundary(completion);
        long tail = TokenCounter.forModel(route.upstreamModel()).text(completion.substring(cut));
        return new CountedText(counted.chars() + cut, bill.completionTokens() - overflowTokens - tail);
    }
}
