package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the embeddings route accepts (OpenAI's request shape) and how it names what it rejects. */
class EmbeddingsRequestTest {

    private static EmbeddingsRequest parse(String singleQuoted) {
        return Fields.request(singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8), BodyLimits.DEFAULTS,
                EmbeddingsRequest::checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"'hello'", "['a','b']", "[1,2,3]", "[[1,2],[3]]", "['a',[1]]"})
    void acceptsEveryInputShape(String input) {
        EmbeddingsRequest request = parse("{'model':'openai/text-embedding-3-small','input':" + input
                + ",'encoding_format':'base64','dimensions':256,'user':'u-1'}");

        assertThat(request.api()).isEqualTo(ClientApi.EMBEDDINGS);
        assertThat(request.stream()).isFalse();
        assertThat(request.maxTokens()).as("no completion to reserve credit for").hasValue(0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'input':'hi','stream':true | stream: true (expected: false or absent; embeddings are one answer",
        "'x':1 | input: missing (expected: a non-empty string, an array of strings",
        "'input':'' | input: \"\" (expected: a non-empty string",
        "'input':[] | input: [] (expected:",
        "'input':{'a':1} | input: {\"a\":1} (expected:",
        "'input':['a',''] | input[1]: \"\" (expected: a non-empty string or a non-empty array of token ids)",
        "'input':['a',[]] | input[1]: [] (expected:",
        "'input':[1,'a'] | input[1]: \"a\" (expected: a token id",
        "'input':[1,-2] | input[1]: -2 (expected: a token id",
        "'input':'hi','encoding_format':'int8' | encoding_format: \"int8\" (expected: \"float\" or \"base64\")",
        "'input':'hi','dimensions':0 | dimensions: 0 (expected: a whole number of at least 1)",
        "'input':'hi','user':7 | user: 7 (expected: a string)"})
    void refusesWhatOpenAiRefusesNamingTheField(String members, String message) {
        assertThatThrownBy(() -> parse("{'model':'openai/e'," + members + "}"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining(message);
    }

    @Test
    void aModelIsRequiredAsForEveryApi() {
        assertThatThrownBy(() -> parse("{'input':'hi'}")).hasMessageStartingWith("model: missing");
    }
}
