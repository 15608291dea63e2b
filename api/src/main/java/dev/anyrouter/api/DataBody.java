package dev.anyrouter.api;

import java.util.Objects;

/**
 * The envelope OpenRouter puts around what it answers about keys and generations: {@code {"data": …}}.
 *
 * @param data the answer
 * @param <T>  its type
 */
public record DataBody<T>(T data) {

    public DataBody {
        Objects.requireNonNull(data, "data");
    }
}
