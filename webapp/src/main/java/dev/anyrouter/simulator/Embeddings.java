package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.anyrouter.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * The simulator's embeddings, in OpenAI's shape: one vector per input, derived from its tokens alone (the same input
 * always gets the same vector, on every machine), by feature hashing: each token adds one to a dimension its id picks,
 * with a sign it also picks, and the sum is scaled to length 1, as OpenAI's are. Inputs that share tokens point the
 * same way, so a similarity search gives sensible answers offline. {@code dimensions} sets the length (default
 * {@value #DEFAULT_DIMENSIONS}); {@code encoding_format: base64} packs little-endian float32s, as OpenAI does.
 */
final class Embeddings {

    static final int DEFAULT_DIMENSIONS = 256;
    static final int MAX_DIMENSIONS = 4096;

    private final Encoding tokenizer;

    Embeddings(Encoding tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The answer to a request the gateway has validated; a 400 message ({@link IllegalArgumentException}) else. */
    String answer(ObjectNode request) {
        int dimensions = request.path("dimensions").asInt(DEFAULT_DIMENSIONS);
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("dimensions: " + dimensions + " (expected: 1 to " + MAX_DIMENSIONS + ")");
        }
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        JsonNode input = request.path("input");
        boolean oneTokenList = input.isArray() && !input.isEmpty() && input.get(0).isIntegralNumber();
        ObjectNode answer = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = answer.putArray("data");
        long tokens = 0;
        JsonNode[] items = input.isTextual() || oneTokenList ? new JsonNode[] {input} : arrayItems(input);
        for (int i = 0; i < items.length; i++) {
            int[] ids = tokens(items[i]);
            tokens += ids.length;
            float[] vector = vector(ids, dimensions);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                item.put("embedding", packed(vector));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float value : vector) {
                    values.add(value);
                }
            }
        }
        answer.put("model", request.path("model").asText("simulated"));
        answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return Json.write(answer);
    }

    private static JsonNode[] arrayItems(JsonNode input) {
        JsonNode[] items = new JsonNode[input.size()];
        for (int i = 0; i < items.length; i++) {
            items[i] = input.get(i);
        }
        return items;
    }

    /** A text's token ids, or a token array as it is. */
    private int[] tokens(JsonNode item) {
        if (item.isTextual()) {
            IntArrayList ids = tokenizer.encodeOrdinary(item.asText());
            int[] out = new int[ids.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = ids.get(i);
            }
            return out;
        }
        int[] out = new int[item.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = item.get(i).asInt();
        }
        return out;
    }

    static float[] vector(int[] tokens, int dimensions) {
        double[] sum = new double[dimensions];
        for (int token : tokens) {
            int hash = mix(token);
            sum[Math.floorMod(hash, dimensions)] += (hash & 0x8000_0000) == 0 ? 1 : -1;
        }
        double norm = 0;
        for (double value : sum) {
            norm += value * value;
        }
        double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (sum[i] * scale);
        }
        return vector;
    }

    /** Spreads neighbouring token ids over the dimensions (MurmurHash3's finaliser). */
    private static int mix(int token) {
        int h = token;
        h ^= h >>> 16;
        h *= 0x85eb_ca6b;
        h ^= h >>> 13;
        h *= 0xc2b2_ae35;
        h ^= h >>> 16;
        return h;
    }

    private static String packed(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
            bytes.putFloat(value);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
