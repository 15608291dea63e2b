package dev.anyrouter.auth;

import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.KeyHash;
import dev.anyrouter.store.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The client keys as the request path sees them: a snapshot of the key store held in memory, so that checking a
 * key never waits on the database. The snapshot is reloaded every few seconds ({@code ANYROUTER_KEY_REFRESH_MS}),
 * which is how keys made or disabled by the CLI or another replica take effect; the admin API updates this
 * replica's snapshot at once.
 *
 * <p>A presented key is hashed; the snapshot is looked up by that hash and the stored hash compared in constant
 * time. Lookup time depends only on the hash of what was presented, which reveals nothing about stored keys.
 */
public final class ApiKeys {

    private final KeyStore store;
    private volatile Map<String, ClientKey> byHash = Map.of();
    private volatile Map<String, ClientKey> byId = Map.of();

    public ApiKeys(KeyStore store) {
        this.store = store;
        refresh();
    }

    /**
     * Reloads the snapshot from the store. Synchronized with {@link #update}: a reload that read the store before
     * a change must not put back the old key after the change was applied.
     */
    public synchronized void refresh() {
        set(store.list().stream().collect(Collectors.toUnmodifiableMap(ClientKey::keyHash, Function.identity())));
    }

    /** Puts one changed key into the snapshot at once. */
    public synchronized void update(ClientKey key) {
        Map<String, ClientKey> copy = new java.util.HashMap<>(byHash);
        copy.put(key.keyHash(), key);
        set(Map.copyOf(copy));
    }

    private void set(Map<String, ClientKey> keys) {
        byId = keys.values().stream().collect(Collectors.toUnmodifiableMap(ClientKey::id, Function.identity()));
        byHash = keys;
    }

    /** The stored key matching {@code presented}, disabled or not; empty when there is none. */
    public Optional<ClientKey> find(String presented) {
        byte[] hash = KeyHash.sha256(presented);
        ClientKey key = byHash.get(HexFormat.of().formatHex(hash));
        if (key == null || !MessageDigest.isEqual(HexFormat.of().parseHex(key.keyHash()), hash)) {
            return Optional.empty();
        }
        return Optional.of(key);
    }

    /** The key with public id {@code id} in the snapshot, disabled or not. */
    public Optional<ClientKey> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public int size() {
        return byHash.size();
    }
}
