package dev.anyrouter.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.json.Json;
import org.junit.jupiter.api.Test;

/** Counting is exact up to {@link TokenCounter#EXACT_CHARS} characters and estimated beyond. */
class TokenCounterTest {

    private final TokenCounter counter = TokenCounter.forModel("gpt-4o");

    @Test
    void countsAShortTextExactly() {
        assertThat(counter.text("Hello, world!")).isEqualTo(4);
        assertThat(counter.text("")).isZero();
    }

    @Test
    void countsTheFirstCharactersExactlyAndEstimatesTheRestAtFourPerToken() {
        String head = "Hello, world! ".repeat(TokenCounter.EXACT_CHARS / 14);
        String exactPart = head + "x".repeat(TokenCounter.EXACT_CHARS - head.length());
        long exact = counter.text(exactPart);

        assertThat(counter.text(exactPart + "y".repeat(4_000_001))).isEqualTo(exact + 1_000_001);
    }

    @Test
    void neverSplitsASurrogatePairAtTheCap() {
        String text = "a".repeat(TokenCounter.EXACT_CHARS - 1) + "😀" + "b".repeat(7);

        assertThat(counter.text(text)).isEqualTo(counter.text("a".repeat(TokenCounter.EXACT_CHARS - 1)) + 3);
    }

    @Test
    void aFourMegabyteOneWordPromptIsMostlyEstimated() {
        String word = "a".repeat(4 << 20);
        long prompt = counter.prompt(ClientApi.CHAT_COMPLETIONS, Json.read("{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + word + "\"}]}"));

        long estimated = ((4 << 20) + "user\n\n".length() - TokenCounter.EXACT_CHARS + 3) / 4;
        assertThat(prompt).isGreaterThan(estimated).isLessThan(estimated + TokenCounter.EXACT_CHARS / 4);
    }

    @Test
    void countsAnEmbeddingsInputWithoutFraming() {
        assertThat(counter.prompt(ClientApi.EMBEDDINGS, Json.read("{\"input\":\"Hello, world!\"}"))).isEqualTo(4);
        assertThat(counter.prompt(ClientApi.EMBEDDINGS, Json.read("{\"input\":[\"Hello, world!\",\"Hello\"]}")))
                .isEqualTo(5);
        assertThat(counter.prompt(ClientApi.EMBEDDINGS, Json.read("{\"input\":[9906,11,1917]}")))
                .as("token ids are the tokens").isEqualTo(3);
        assertThat(counter.prompt(ClientApi.EMBEDDINGS, Json.read("{\"input\":[[1,2],[3]]}"))).isEqualTo(3);
    }
}
