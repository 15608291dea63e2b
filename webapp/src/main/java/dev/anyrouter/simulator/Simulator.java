package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.config.Settings;
import dev.anyrouter.engine.Threads;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.internal.inject.AbstractBinder;

/**
 * The built-in simulated upstream: real HTTP + SSE endpoints in OpenAI's chat-completions and Anthropic's
 * Messages APIs, mounted at {@code /simulator/v1} of the same server, that answers deterministically (see {@link Script}) with usage
 * counted by a real tokenizer ({@code o200k_base}); also OpenAI's embeddings ({@link Embeddings}) and Anthropic's
 * token count. It is the offline default and what the tests and benchmarks
 * stream from. Pacing runs on its own timer thread, writes on a bounded pool of writers; {@link #close()} stops
 * both. Only the gateway's own upstream client and holders of a client key reach it ({@link SimulatorFilter}).
 */
public final class Simulator implements AutoCloseable {

    /**
     * Threads that write simulated events. A write blocks while its client does not read, so each step of a
     * stream runs here, not on the timer: a stalled client holds one of these threads (until the server's idle
     * timeout fails its write), never the pacing of the other streams.
     */
    static final int WRITERS = 32;
    /** Steps waiting for a writer; each stream has at most one, so this bounds the streams running at once. */
    static final int QUEUE = 100_000;

    private final Knobs defaults;
    private final ScheduledExecutorService timer;
    private final ThreadPoolExecutor writers;
    private final Encoding tokenizer;
    private final Embeddings embeddings;
    /** Streams started and not closed yet: {@link #endStreams} closes them. */
    private final Set<SimulatedStream> open = ConcurrentHashMap.newKeySet();

    private Simulator(Knobs defaults) {
        this.defaults = defaults;
        this.timer = Threads.scheduler("anyrouter-simulator");
        this.writers = new ThreadPoolExecutor(WRITERS, WRITERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), Threads.named("anyrouter-simulator-writer"));
        writers.allowCoreThreadTimeOut(true);
        this.tokenizer = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        this.embeddings = new Embeddings(tokenizer);
    }

    public static Simulator start(Settings settings) {
        return new Simulator(Knobs.defaults(settings));
    }

    /**
     * The JAX-RS components to register in the application that hosts the simulator; it admits the gateway's own
     * upstream client ({@link dev.anyrouter.routing.Router#SIMULATOR_KEY}) and the holders of a key in {@code keys}.
     */
    public Object[] components(ApiKeys keys) {
        Simulator simulator = this;
        return new Object[] {new SimulatorFilter(keys), SimulatorResource.class, new AbstractBinder() {
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

    /** The embeddings of a request's {@code input}, as OpenAI's JSON. */
    String embeddings(ObjectNode request) {
        return embeddings.answer(request);
    }

    /** The tokens of every message's text, and of a top-level {@code system} (Messages API). */
    long promptTokens(ObjectNode request) {
        long prompt = tokenizer.countTokens(Script.contentText(request.path("system")));
        for (JsonNode message : request.path("messages")) {
            prompt += tokenizer.countTokens(Script.contentText(message.path("content")));
        }
        return prompt;
    }

    /**
     * Runs {@code step} on a writer thread after {@code delayMillis}; {@code rejected} runs instead when the
     * simulator is closing or has {@link #QUEUE} steps waiting.
     */
    void later(Runnable step, long delayMillis, Runnable rejected) {
        Runnable hand = () -> {
            try {
                writers.execute(step);
            } catch (RejectedExecutionException e) {
                rejected.run();
            }
        };
        try {
            if (delayMillis == 0) {
                hand.run();
            } else {
                timer.schedule(hand, delayMillis, TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) {
            rejected.run();
        }
    }

    void opened(SimulatedStream stream) {
        open.add(stream);
    }

    void closed(SimulatedStream stream) {
        open.remove(stream);
    }

    /** Streams started and not closed yet. */
    int openStreams() {
        return open.size();
    }

    /**
     * Closes every stream still open, at a stop once the gateway's relays have ended: one whose next step is
     * waiting on the timer would otherwise never end its response, and the server would end it as it stops.
     */
    public void endStreams() {
        for (SimulatedStream stream : open) {
            stream.close();
        }
    }

    /** Stops the timer and the writers, then closes the streams they leave open. */
    @Override
    public void close() {
        timer.shutdownNow();
        writers.shutdownNow();
        endStreams();
    }
}
