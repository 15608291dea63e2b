package dev.anyrouter.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** How keys are made and stored: random, and kept only as SHA-256 hashes. */
public final class KeyHash {

    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyHash() {
    }

    /** A new random key, {@code ar-} and 43 URL-safe characters (256 bits). */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "ar-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    /**
     * A key's public id: {@code key-} and the first 16 hex digits of its hash. It names the key in the admin API,
     * the CLI and the ledger without revealing anything usable.
     */
    public static String id(String hashHex) {
        return "key-" + hashHex.substring(0, 16);
    }
}
