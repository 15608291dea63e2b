package dev.anyrouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.anyrouter.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The simulator's embeddings: derived from the input alone, unit length, sized and encoded as asked. */
class EmbeddingsTest {

    private final Embeddings embeddings = new Embeddings(
            Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE));

    private JsonNode answer(String json) {
        return Json.read(embeddings.answer((ObjectNode) Json.read(json)));
    }

    private static double[] vector(JsonNode item) {
        double[] values = new double[item.path("embedding").size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = item.path("embedding").get(i).asDouble();
        }
        return values;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Test
    void theSameInputAlwaysGetsTheSameUnitVector() {
        JsonNode answer = answer("{\"model\":\"m\",\"input\":[\"the cat sat\",\"the cat sat\",\"stock prices fell\"]}");

        double[] first = vector(answer.path("data").get(0));
        assertThat(first).hasSize(Embeddings.DEFAULT_DIMENSIONS);
        assertThat(dot(first, first)).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(vector(answer.path("data").get(1))).containsExactly(first);
        assertThat(answer.path("data").get(2).path("index").asInt()).isEqualTo(2);
        assertThat(answer("{\"input\":\"the cat sat\"}").path("data").get(0).path("embedding"))
                .isEqualTo(answer.path("data").get(0).path("embedding"));
        assertThat(answer.path("model").asText()).isEqualTo("m");
        assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(9);
        assertThat(answer.path("usage").path("total_tokens").asLong()).isEqualTo(9);
    }

    @Test
    void inputsSharingTokensAreCloserThanUnrelatedOnes() {
        JsonNode data = answer("{\"input\":[\"the cat sat on the mat\",\"the cat sat on the sofa\","
                + "\"quarterly revenue grew strongly\"]}").path("data");

        double related = dot(vector(data.get(0)), vector(data.get(1)));
        double unrelated = dot(vector(data.get(0)), vector(data.get(2)));
        assertThat(related).isGreaterThan(unrelated + 0.3);
    }

    @Test
    void tokenArraysAreEmbeddedAsTheirTokensAndDimensionsSetTheLength() {
        JsonNode one = answer("{\"input\":[9906,11,1917],\"dimensions\":8}");
        JsonNode many = answer("{\"input\":[[9906,11,1917],[5]],\"dimensions\":8}");

        assertThat(one.path("data")).hasSize(1);
        assertThat(one.path("data").get(0).path("embedding")).hasSize(8);
        assertThat(many.path("data").get(0).path("embedding")).isEqualTo(one.path("data").get(0).path("embedding"));
        assertThat(many.path("usage").path("prompt_tokens").asLong()).isEqualTo(4);
    }

    @Test
    void base64PacksTheSameValuesAsLittleEndianFloats() {
        JsonNode floats = answer("{\"input\":\"hello\",\"dimensions\":4}").path("data").get(0).path("embedding");
        String packed = answer("{\"input\":\"hello\",\"dimensions\":4,\"encoding_format\":\"base64\"}")
                .path("data").get(0).path("embedding").asText();

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(packed)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            assertThat(bytes.getFloat()).isEqualTo(floats.get(i).floatValue());
        }
    }

    @Test
    void refusesDimensionsOutOfRange() {
        assertThatThrownBy(() -> answer("{\"input\":\"x\",\"dimensions\":5000}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("dimensions: 5000 (expected: 1 to 4096)");
    }
}
