package dev.anyrouter.relay;

import java.util.concurrent.CompletionException;

/** What failed a completed stage: a dependent stage sees its cause wrapped in a {@link CompletionException}. */
final class Completions {

    private Completions() {
    }

    static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
