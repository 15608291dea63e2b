package dev.anyrouter.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Api;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.engine.Json;
import dev.anyrouter.routing.Route;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a generation is billed: exact decimals, upstream numbers first, counts only for what is missing. */
class BillingTest {

    private static final Route ROUTE = new Route(new UpstreamConfig("openai", URI.create("http://u/v1"),
            Optional.empty(), Api.CHAT_COMPLETIONS), "openai/gpt-4o", "gpt-4o");
    private static final Price PRICE = Price.parse("0.0000025:0.00001", "test");
    private static final JsonNode REQUEST = Json.read("{\"model\":\"openai/gpt-4o\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello there\"}]}");

    private static Generation generation() {
        return new Generation("gen-1", "key-1", ROUTE, true, PRICE, Api.CHAT_COMPLETIONS, REQUEST);
    }

    @Test
    void costsAreExactDecimals() {
        assertThat(PRICE.cost(3, 7)).isEqualByComparingTo("0.0000775");
        assertThat(Price.parse("0.1:0.2", "t").cost(1, 2).toPlainString()).isEqualTo("0.5");
        assertThat(Price.normal(new java.math.BigDecimal("10.000")).toPlainString()).isEqualTo("10");
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

        assertThat(counter.prompt(Api.CHAT_COMPLETIONS, REQUEST)).isEqualTo(text + 2 * 3 + 3);
        JsonNode messages = Json.read("{\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"Hello there\"}]}]}");
        assertThat(counter.prompt(Api.MESSAGES, messages)).isEqualTo(
                counter.text("Be brief.\nuser\nHello there\n") + 2 * 3 + 3);
        assertThat(TokenCounter.forModel("claude-sonnet-4").encodingName()).isEqualTo("cl100k_base");
        assertThat(TokenCounter.forModel("o3-mini").encodingName()).isEqualTo("o200k_base");
    }

    @Test
    void specialTokenMarkersInTextAreCountedAsText() {
        assertThat(TokenCounter.forModel("gpt-4o").text("<|endoftext|>")).isGreaterThan(1);
    }
}
