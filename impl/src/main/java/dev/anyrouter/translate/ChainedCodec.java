package dev.anyrouter.translate;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;

/**
 * Two codecs in a row, for a pair of APIs translated through chat completions (a Responses client in front of a
 * Messages upstream): the first turns the upstream's events into chat-completion chunks, the second turns those into
 * the client's events. The first reports to the generation; the second is given a {@link #quiet} tally, so nothing
 * is counted twice.
 */
public final class ChainedCodec implements StreamCodec {

    private final StreamCodec upstream;
    private final StreamCodec client;
    private boolean complete;
    private boolean clientGone;

    /**
     * @param upstream reads the upstream's API and writes chat-completion chunks; it reports to the generation
     * @param client   reads chat-completion chunks and writes the client's API; made with a {@link #quiet} tally
     */
    public ChainedCodec(StreamCodec upstream, StreamCodec client) {
        this.upstream = upstream;
        this.client = client;
    }

    /** A tally that gives {@code generation}'s id and cost and takes no reports. */
    public static Tally quiet(Tally generation) {
        return new Tally() {
            @Override
            public String id() {
                return generation.id();
            }

            @Override
            public void servedModel(String model) {
            }

            @Override
            public void delivered(CharSequence text) {
            }

            @Override
            public void finishReason(String reason) {
            }

            @Override
            public void usage(Long prompt, Long completion) {
            }

            @Override
            public BigDecimal cost() {
                return generation.cost();
            }
        };
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        try {
            return upstream.event(name, data, bridge(out)) && complete;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public boolean end(Emitter out) {
        return upstream.end(bridge(out)) && client.end(out);
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        client.fail(failure, out);
    }

    @Override
    public String completion(String json) throws IOException {
        return client.completion(upstream.completion(json));
    }

    /**
     * Where the first codec writes: into the second, which writes to {@code out}. A chunk counts as delivered while
     * the client has taken every event so far.
     */
    private Emitter bridge(Emitter out) {
        Emitter tracked = (name, data) -> {
            boolean sent = out.send(name, data);
            clientGone |= !sent;
            return sent;
        };
        return (name, data) -> {
            try {
                complete |= client.event(name, data, tracked);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return !clientGone;
        };
    }
}
