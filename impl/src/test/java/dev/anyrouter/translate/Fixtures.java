package dev.anyrouter.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Routes, generations and data files shared by the translation tests. */
final class Fixtures {

    static final String GENERATION_ID = "gen-test";

    static final Route ANTHROPIC = new Route(new UpstreamConfig("anthropic", URI.create("https://api.anthropic.com"),
            Optional.empty(), "anthropic"), "anthropic/claude-sonnet-4-5", "claude-sonnet-4-5");

    static final Route OPENAI = new Route(new UpstreamConfig("openai", URI.create("https://api.openai.com/v1"),
            Optional.empty(), "openai"), "openai/gpt-4o", "gpt-4o");

    /** An OpenAI-compatible server that is not OpenAI's own API: it speaks chat completions only. */
    static final Route COMPATIBLE = new Route(new UpstreamConfig("groq", URI.create("https://api.groq.com/openai/v1"),
            Optional.empty(), "openai"), "groq/llama-3.3-70b", "llama-3.3-70b");

    private Fixtures() {
    }

    /** The price the translation tests bill at: 1 µUSD per prompt token, 2 µUSD per completion token. */
    static final Price PRICE = Price.parse("0.000001:0.000002", "test");

    /** A generation whose upstream has accepted the request (so it is billed), with an empty request body. */
    static Generation generation(Route route, boolean streamed) {
        Generation generation = new Generation(GENERATION_ID, "key-test", route, streamed, PRICE,
                route == ANTHROPIC ? ClientApi.MESSAGES : ClientApi.CHAT_COMPLETIONS, Json.MAPPER.createObjectNode());
        generation.accepted();
        return generation;
    }

    /**
     * The codec the wire APIs' table gives a streamed request of {@code client} on {@code route}: a minimal valid
     * request, asking for the usage chunk when {@code includeUsage}.
     */
    static StreamCodec codec(ClientApi client, Route route, Tally tally, boolean includeUsage) {
        ObjectNode request = object(switch (client) {
            case MESSAGES ->
                "{\"model\":\"m\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            case RESPONSES -> "{\"model\":\"m\",\"stream\":true,\"input\":\"hi\"}";
            case EMBEDDINGS -> "{\"model\":\"m\",\"input\":\"hi\"}";
            case CHAT_COMPLETIONS -> "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":"
                    + includeUsage + "},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        });
        return WireApis.plan(client, route.upstream().wireApi(), request, route, tally).codec();
    }

    /** A data file under this package's test resources, as text. */
    static String text(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String path) {
        return Json.read(text(path));
    }

    static ObjectNode object(String json) {
        return (ObjectNode) Json.read(json);
    }

    /** The names of the files in a resource folder that end with {@code suffix}, less the suffix, sorted. */
    static List<String> cases(String folder, String suffix) {
        URL url = Fixtures.class.getResource(folder);
        if (url == null) {
            throw new IllegalArgumentException("no test resource folder " + folder);
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(suffix))
                    .map(name -> name.substring(0, name.length() - suffix.length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
