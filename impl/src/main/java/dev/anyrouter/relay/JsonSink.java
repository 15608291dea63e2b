package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.StreamCodec;

/**
 * A non-streamed answer: the relay's one JSON body, which the resource returns; every failure is the status
 * answer, as nothing is written before the answer. Nothing is written either while the upstream works, so the
 * container does not notice by itself when the client leaves: a watch on its connection tells the relay.
 */
public final class JsonSink implements ClientSink {

    private String answer;

    /** The answer, once the relay ran without throwing. */
    public String answer() {
        if (answer == null) {
            throw new IllegalStateException("the relay has not answered");
        }
        return answer;
    }

    @Override
    public boolean streaming() {
        return false;
    }

    @Override
    public boolean send(String name, String data) {
        throw new UnsupportedOperationException("a non-streamed answer has no events");
    }

    @Override
    public void answer(String json) {
        answer = json;
    }

    @Override
    public void fail(GatewayException failure, StreamCodec codec) {
        throw failure;
    }

    @Override
    public void abandoned(GatewayException answer) {
        throw answer; // read by nobody, but the access log shows it
    }
}
