package dev.anyrouter.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The client keys the gateway accepts, kept only as SHA-256 hashes. A presented key is hashed and compared with
 * every stored hash in constant time, so neither the keys nor their count leak through timing.
 */
public final class ApiKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<byte[]> hashes;

    private ApiKeys(List<byte[]> hashes) {
        this.hashes = hashes;
    }

    public static ApiKeys of(Collection<String> keys) {
        return new ApiKeys(keys.stream().map(ApiKeys::sha256).toList());
    }

    /** A new random key, {@code ar-} and 43 URL-safe characters (256 bits). */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "ar-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public boolean accepts(String presented) {
        byte[] hash = sha256(presented);
        boolean match = false;
        for (byte[] stored : hashes) {
            match |= MessageDigest.isEqual(stored, hash);
        }
        return match;
    }

    public int size() {
        return hashes.size();
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
