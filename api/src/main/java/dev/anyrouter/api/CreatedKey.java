package dev.anyrouter.api;

import java.util.Objects;

/**
 * The admin API's answer to a key's creation: the only time the key itself is shown.
 *
 * @param data the key as stored
 * @param key  the key to give its holder ({@code ar-…})
 */
public record CreatedKey(AdminKey data, String key) {

    public CreatedKey {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(key, "key");
    }
}
