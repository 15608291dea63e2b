package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.anyrouter.config.Settings;
import dev.anyrouter.engine.Threads;
import java.util.concurrent.ScheduledExecutorService;
import org.glassfish.jersey.internal.inject.AbstractBinder;

/**
 * The built-in simulated upstream: real HTTP + SSE endpoints in OpenAI's chat-completions and Anthropic's
 * Messages APIs, mounted at {@code /simulator/v1} of the same server, that answers deterministically (see {@link Script}) with usage
 * counted by a real tokenizer ({@code o200k_base}). It is the offline default and what the tests and benchmarks
 * stream from. Pacing runs on its own timer threads; {@link #close()} stops them.
 */
public final class Simulator implements AutoCloseable {

    private final Knobs defaults;
    private final ScheduledExecutorService timer;
    private final Encoding tokenizer;

    private Simulator(Knobs defaults) {
        this.defaults = defaults;
        this.timer = Threads.scheduler("anyrouter-simulator");
        this.tokenizer = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    public static Simulator start(Settings settings) {
        return new Simulator(Knobs.defaults(settings));
    }

    /** The JAX-RS components to register in the application that hosts the simulator. */
    public Object[] components() {
        Simulator simulator = this;
        return new Object[] {new SimulatorFilter(), SimulatorResource.class, new AbstractBinder() {
            @Override
            protected void configure() {
                bind(simulator).to(Simulator.class);
            }
        }};
    }

    Knobs knobs(ObjectNode request) {
        return defaults.with(request.get("simulation"));
    }

    Answer answer(ObjectNode request, Script script) {
        return new Answer(request.path("model").asText("simulated"), script, promptTokens(request),
                tokenizer.countTokens(script.text()));
    }

    MessagesAnswer messagesAnswer(ObjectNode request, Script script) {
        return new MessagesAnswer(request.path("model").asText("simulated"), script, promptTokens(request),
                tokenizer.countTokens(script.text()));
    }

    /** The tokens of every message's text, and of a top-level {@code system} (Messages API). */
    private long promptTokens(ObjectNode request) {
        long prompt = tokenizer.countTokens(Script.contentText(request.path("system")));
        for (JsonNode message : request.path("messages")) {
            prompt += tokenizer.countTokens(Script.contentText(message.path("content")));
        }
        return prompt;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
