package dev.anyrouter.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;

/**
 * The one {@link ObjectMapper} of the gateway. Its parser and generator buffers come from one shared pool, not
 * Jackson's default pool per thread: every stream has its own (relay or virtual) thread, and a per-thread pool
 * would keep about 16 KB of buffers alive for each open stream.
 */
public final class Json {

    /** Decimals (prices, costs) are written plainly: {@code 0.0000001}, never {@code 1E-7}. */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

    public static final ObjectMapper MAPPER = new ObjectMapper(FACTORY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * Reads what clients send: a body is one JSON value, so anything after it ({@code {…} x}, {@code {…}{…}}) is an
     * error, and a number too large for a double ({@code 1e999}) is refused rather than turned into
     * {@code Infinity}, which the mapper would then write as the string {@code "Infinity"}.
     */
    public static final ObjectReader CLIENT = MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(new FiniteNumbers());

    private Json() {
    }

    /** Builds trees whose floating-point numbers are all finite. */
    private static final class FiniteNumbers extends JsonNodeFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public NumericNode numberNode(double value) {
            if (!Double.isFinite(value)) {
                throw new NonFiniteNumber();
            }
            return super.numberNode(value);
        }

        @Override
        public NumericNode numberNode(float value) {
            if (!Float.isFinite(value)) {
                throw new NonFiniteNumber();
            }
            return super.numberNode(value);
        }
    }

    /** A number in a client's JSON that no double can hold. */
    public static final class NonFiniteNumber extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NonFiniteNumber() {
            super("a number is out of range (expected: a finite number, at most about 1.8e308)");
        }
    }

    /** Parses JSON the gateway wrote itself. */
    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Serialises a value the gateway owns (records of the {@code api} module, trees it built). */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }
}
