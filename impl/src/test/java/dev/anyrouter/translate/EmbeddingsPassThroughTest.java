package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.WireApis;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Embeddings pass through to an OpenAI-compatible upstream: the vectors untouched, the usage billed. */
class EmbeddingsPassThroughTest {

    private static final String ANSWER = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.0023064255,-0.009327292,1.0E-7]}],\"model\":\"text-embedding-3-small\","
            + "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}";

    private final Generation generation = Fixtures.generation(Fixtures.OPENAI, false);

    private Plan plan() {
        return WireApis.plan(ClientApi.EMBEDDINGS, "openai", Fixtures.object("{\"model\":\"openai/gpt-4o\","
                + "\"input\":[\"a\",\"b\"],\"dimensions\":3,\"vendor_field\":1}"), Fixtures.OPENAI, generation);
    }

    @Test
    void sendsTheRequestWithOnlyTheModelRewritten() {
        assertThat(new String(plan().upstreamBody(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"model\":\"gpt-4o\",\"input\":[\"a\",\"b\"],\"dimensions\":3,\"vendor_field\":1}");
    }

    @Test
    void relaysTheAnswerByteForByteWithItsCostAndBillsItsPromptTokens() throws Exception {
        assertThat(plan().codec().completion(ANSWER)).isEqualTo(ANSWER.replace("\"total_tokens\":8}",
                "\"total_tokens\":8,\"cost\":0.000008}"));

        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(record.servedModel()).isEqualTo("text-embedding-3-small");
        assertThat(record.promptTokens()).isEqualTo(8);
        assertThat(record.completionTokens()).isZero();
        assertThat(record.tokensCounted()).isFalse();
        assertThat(record.cost()).isEqualByComparingTo(new BigDecimal("0.000008"));
    }

    @Test
    void anErrorBodyIsTheUpstreamsFailure() {
        assertThatThrownBy(() -> plan().codec().completion("{\"error\":{\"message\":\"bad input\"}}"))
                .isInstanceOf(GatewayException.class).hasMessage("upstream 'openai' failed: bad input");
    }

    @Test
    void aCostIsAddedToAnEmptyUsageAndNeverTwice() throws Exception {
        assertThat(plan().codec().completion("{\"data\":[],\"usage\":{ }}")).as("the counted prompt's cost")
                .matches("\\{\"data\":\\[],\"usage\":\\{ \"cost\":0\\.\\d+}}");
        String priced = "{\"data\":[],\"usage\":{\"prompt_tokens\":8,\"cost\":0.5}}";
        assertThat(plan().codec().completion(priced)).isSameAs(priced);
        String none = "{\"object\":\"list\",\"data\":[{\"usage\":{}}]}";
        assertThat(plan().codec().completion(none)).as("only the top-level usage").isSameAs(none);
    }
}
