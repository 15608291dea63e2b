package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.translate.Translation;

/** Passes each event's data on as it is; {@code [DONE]} completes the stream. */
final class EchoTranslation implements Translation {

    @Override
    public boolean event(String name, String data, Out out) {
        out.send(name, data);
        return "[DONE]".equals(data);
    }

    @Override
    public boolean end(Out out) {
        return false;
    }

    @Override
    public void fail(GatewayException failure, Out out) {
        out.send("error", failure.getMessage());
    }

    @Override
    public String completion(String json) {
        return json;
    }
}
