package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;

/** Passes each event's data on as it is; {@code [DONE]} completes the stream. */
final class EchoCodec implements StreamCodec {

    @Override
    public boolean event(String name, String data, Emitter out) {
        out.send(name, data);
        return "[DONE]".equals(data);
    }

    @Override
    public boolean end(Emitter out) {
        return false;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        out.send("error", failure.getMessage());
    }

    @Override
    public String completion(String json) {
        return json;
    }
}
