package dev.anyrouter.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * The JSON body of every error AnyRouter returns before a stream starts:
 * {@code {"error":{"code":400,"message":"…","type":"…"}}}, the OpenRouter shape with OpenAI's {@code type} kept.
 *
 * @param error what went wrong
 */
public record ErrorBody(Detail error) {

    public ErrorBody {
        Objects.requireNonNull(error, "error");
    }

    /** Builds the body for an HTTP status, an OpenAI-style error type and a message meant for the client. */
    public static ErrorBody of(int code, String type, String message) {
        return new ErrorBody(new Detail(code, message, type));
    }

    /**
     * The error itself.
     *
     * @param code    the HTTP status the error maps to
     * @param message a sentence for a person; never contains keys or prompts
     * @param type    OpenAI's error type, e.g. {@code invalid_request_error}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(int code, String message, String type) {

        public Detail {
            Objects.requireNonNull(message, "message");
        }
    }
}
