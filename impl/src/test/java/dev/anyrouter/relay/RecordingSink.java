package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.StreamCodec;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client that records what reaches it: the events' data, an in-band error, a non-streamed answer. Like
 * {@link SseSink}, a failure before the first event is the status answer, given as the relay ends ({@link #answered}).
 */
final class RecordingSink implements ClientSink {

    private final boolean streaming;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile Listener listener;
    private volatile boolean committed;
    private volatile boolean failWrites;
    private volatile boolean paused;
    private volatile boolean closed;
    private volatile GatewayException inBand;
    private volatile String answer;
    private volatile GatewayException statusAnswer;
    private final CompletableFuture<GatewayException> answered = new CompletableFuture<>();

    RecordingSink(boolean streaming) {
        this.streaming = streaming;
    }

    /** From now on, every write fails: the client has gone. */
    void failWrites() {
        failWrites = true;
    }

    List<String> events() {
        return events;
    }

    GatewayException inBand() {
        return inBand;
    }

    /** Completes as the relay ends: with the status answer, or {@code null} when there was none. */
    CompletableFuture<GatewayException> answered() {
        return answered;
    }

    String answer() {
        return answer;
    }

    boolean paused() {
        return paused;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void attach(Listener listener) {
        this.listener = listener;
    }

    @Override
    public boolean streaming() {
        return streaming;
    }

    @Override
    public void trying(long nanos) {
        paused = false;
    }

    @Override
    public void pausing() {
        paused = true;
    }

    @Override
    public boolean send(String name, String data) {
        if (failWrites) {
            listener.clientGone().run();
            return false;
        }
        committed = true;
        if ("error".equals(name)) {
            return true; // recorded by fail()
        }
        events.add(data);
        return true;
    }

    @Override
    public void answer(String json) {
        answer = json;
    }

    @Override
    public void fail(GatewayException failure, StreamCodec translation) {
        if (!committed) {
            statusAnswer = failure;
            return;
        }
        inBand = failure;
        translation.fail(failure, this::send);
    }

    @Override
    public void abandoned(GatewayException answer) {
        if (!streaming) {
            statusAnswer = answer;
        }
    }

    @Override
    public void ended() {
        answered.complete(statusAnswer);
    }

    @Override
    public void close() {
        closed = true;
    }
}
