package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.StreamCodec;

/**
 * A non-streamed answer: the relay's one JSON body, or its failure as the status answer, as nothing is written before
 * the answer; both go to the client's {@link HeldResponse} once the relay has ended. Nothing is written either while
 * the upstream works, so the container does not notice by itself when the client leaves: a watch on its connection
 * tells the relay.
 */
public final class JsonSink implements ClientSink {

    private final HeldResponse response;
    private final Runnable clientDone;
    private volatile String answer;
    private volatile GatewayException failure;

    /**
     * @param clientDone runs as the relay ends, before the client is answered: gives back the request's place, so a
     *                   client that sends its next request at once is not refused
     */
    public JsonSink(HeldResponse response, Runnable clientDone) {
        this.response = response;
        this.clientDone = clientDone;
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
        this.failure = failure;
    }

    @Override
    public void abandoned(GatewayException answer) {
        failure = answer; // read by nobody, but the access log shows it
    }

    @Override
    public void ended() {
        clientDone.run();
        GatewayException failed = failure;
        if (failed != null || answer == null) {
            response.fail(failed != null ? failed : GatewayException.upstream("the relay ended without an answer",
                    null));
        } else {
            response.answer(answer);
        }
    }
}
