package dev.anyrouter.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a generation is billed: exact decimals, upstream numbers first, counts only for what is missing. */
class BillingTest {

    private static final Route ROUTE = new Route(new UpstreamConfig("openai", URI.create("http://u/v1"),
            Optional.empty(), "openai"), "openai/gpt-4o", "gpt-4o");
    private static final Price PRICE = Price.parse("0.0000025:0.00001", "test");
    private static final JsonNode REQUEST = Json.read("{\"model\":\"openai/gpt-4o\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello there\"}]}");

    private static Generation generation() {
        return new Generation("gen-1", "key-1", ROUTE, true, PRICE, ClientApi.CHAT_COMPLETIONS, REQUEST);
    }

    @Test
    void costsAreExactDecimals() {
        assertThat(PRICE.cost(3, 7)).isEqualByComparingTo("0.0000775");
        assertThat(Price.parse("0.1:0.2", "t").cost(1, 2).toPlainString()).isEqualTo("0.5");
        assertThat(Price.normal(new java.math.BigDecimal("10.000")).toPlainString()).isEqualTo("10");
    }

    /**
     * The in-progress journal counts only what was delivered since its last pass (and the last word's few
     * characters again), and its counts add up to exactly the count of the whole text.
     */
    @Test
    void theJournalCountsOnlyTheNewTextAndItsCountsAddUpToTheWhole() {
        Generation running = generation();
        running.sent();
        running.accepted();
        String[] pieces = {"Hello", " there", "! How", " are you", " doing today?\n\n", "Fine,", " thanks", ":",
            " 12345", "67 items", "  two  spaces", "\tand tabs", " émigré", " naïve", " 東京", "都 is big", "."};
        CountedText counted = CountedText.NONE;
        Bill last = null;
        StringBuilder delivered = new StringBuilder();
        for (String piece : pieces) {
            running.delivered(piece);
            delivered.append(piece);
            GenerationProgress pass = running.progress(counted);
            assertThat(pass.completion()).as("the text after the last pass's last word start")
                    .isEqualTo(delivered.substring(counted.chars()));
            last = pass.bill(Generation.Outcome.CANCELLED);
            counted = pass.countedAfter(last);
        }
        Bill whole = running.progress().bill(Generation.Outcome.CANCELLED);
        assertThat(last.completionTokens()).as("the journal's count, a piece at a time")
                .isEqualTo(whole.completionTokens());
        assertThat(counted.chars()).as("counted up to the last word's start")
                .isEqualTo(delivered.lastIndexOf(" big"));
    }

    @Test
    void nothingIsBilledBeforeTheUpstreamAcceptedTheRequest() {
        Generation refused = generation();
        refused.delivered("never");

        GenerationRecord record = refused.end(Generation.Outcome.FAILED, "upstream answered 500");

        assertThat(record.promptTokens()).isZero();
        assertThat(record.completionTokens()).isZero();
        assertThat(record.cost()).isEqualByComparingTo("0");
    }

    @Test
    void aRequestTheUpstreamHadIsBilledItsPromptWhenTheClientLeavesBeforeTheAnswer() {
        long prompt = TokenCounter.forModel("gpt-4o").prompt(ClientApi.CHAT_COMPLETIONS, REQUEST);

        Generation prefill = generation();
        prefill.sent();
        GenerationRecord cancelled = prefill.end(Generation.Outcome.CANCELLED, null);
        assertThat(cancelled.promptTokens()).isEqualTo(prompt).isPositive();
        assertThat(cancelled.completionTokens()).isZero();
        assertThat(cancelled.cost()).isEqualByComparingTo(PRICE.cost(prompt, 0));

        Generation notSent = generation();
        assertThat(notSent.end(Generation.Outcome.CANCELLED, null).cost()).as("never reached the upstream")
                .isEqualByComparingTo("0");

        Generation refused = generation();
        refused.sent();
        refused.upstreamStatus(500);
        assertThat(refused.end(Generation.Outcome.CANCELLED, null).cost()).as("refused: the client left during the "
                + "backoff").isEqualByComparingTo("0");

        Generation timedOut = generation();
        timedOut.sent();
        assertThat(timedOut.end(Generation.Outcome.FAILED, "no answer").cost()).as("an upstream failure")
                .isEqualByComparingTo("0");
    }

    @Test
    void aBudgetGrowsWhileTheKeyHasCreditAndEndsTheStreamBeforeItWouldBeExceeded() {
        Generation generation = generation();
        generation.accepted();
        java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
        TestBudget budget = new TestBudget(PRICE.cost(0, 10), PRICE.cost(0, 10), 2);
        generation.budget(budget, 0, ended::incrementAndGet);
        String chunk = " hello"; // one token
        int delivered = 0;
        while (ended.get() == 0 && delivered < 100) {
            generation.delivered(chunk);
            delivered++;
        }
        assertThat(ended.get()).isEqualTo(1);
        assertThat(budget.asked).as("the first reservation and two more, then none left").isEqualTo(3);
        assertThat(PRICE.cost(0, delivered)).as("never past the 30 tokens reserved")
                .isLessThanOrEqualTo(budget.reserved());
        assertThat(delivered).isGreaterThanOrEqualTo(29);
    }

    /** A budget of {@code first}, growing by {@code slice} {@code slices} times. */
    private static final class TestBudget implements CreditBudget {
        private java.math.BigDecimal reserved;
        private final java.math.BigDecimal slice;
        private int slices;
        int asked;

        TestBudget(java.math.BigDecimal first, java.math.BigDecimal slice, int slices) {
            this.reserved = first;
            this.slice = slice;
            this.slices = slices;
        }

        @Override
        public java.math.BigDecimal reserved() {
            return reserved;
        }

        @Override
        public java.math.BigDecimal more() {
            asked++;
            if (slices == 0) {
                return java.math.BigDecimal.ZERO;
            }
            slices--;
            reserved = reserved.add(slice);
            return slice;
        }
    }

    @Test
    void usesTheUpstreamsNumbersEvenWhenTheyAreZero() {
        Generation generation = generation();
        generation.accepted();
        generation.delivered("Hi");
        generation.usage(0L, 0L);

        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);

        assertThat(record.tokensCounted()).isFalse();
        assertThat(record.promptTokens()).isZero();
        assertThat(record.completionTokens()).isZero();
        assertThat(record.cost()).isEqualByComparingTo("0");
    }

    @Test
    void countsOnlyTheMissingPartWithTheModelsEncoding() {
        Generation generation = generation();
        generation.accepted();
        generation.usage(40L, null);
        generation.delivered("The quick brown fox");
        generation.delivered(" jumps.");

        GenerationRecord record = generation.end(Generation.Outcome.CANCELLED, null);

        TokenCounter counter = TokenCounter.forModel("gpt-4o");
        assertThat(counter.encodingName()).isEqualTo("o200k_base");
        assertThat(record.tokensCounted()).isTrue();
        assertThat(record.promptTokens()).as("the upstream's").isEqualTo(40);
        assertThat(record.completionTokens()).isEqualTo(counter.text("The quick brown fox jumps.")).isEqualTo(6);
        assertThat(record.cost()).isEqualByComparingTo(PRICE.cost(40, 6));
    }

    @Test
    void countsThePromptOfEitherApiWithPerMessageFraming() {
        TokenCounter counter = TokenCounter.forModel("gpt-4o");
        long text = counter.text("system\nBe brief.\nuser\nHello there\n");

        assertThat(counter.prompt(ClientApi.CHAT_COMPLETIONS, REQUEST)).isEqualTo(text + 2 * 3 + 3);
        JsonNode messages = Json.read("{\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"Hello there\"}]}]}");
        assertThat(counter.prompt(ClientApi.MESSAGES, messages)).isEqualTo(
                counter.text("Be brief.\nuser\nHello there\n") + 2 * 3 + 3);
        assertThat(TokenCounter.forModel("claude-sonnet-4").encodingName()).isEqualTo("cl100k_base");
        assertThat(TokenCounter.forModel("o3-mini").encodingName()).isEqualTo("o200k_base");
    }

    @Test
    void specialTokenMarkersInTextAreCountedAsText() {
        assertThat(TokenCounter.forModel("gpt-4o").text("<|endoftext|>")).isGreaterThan(1);
    }
}
