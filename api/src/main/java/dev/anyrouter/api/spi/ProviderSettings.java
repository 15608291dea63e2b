package dev.anyrouter.api.spi;

import java.util.Optional;

/** What a {@link WireApi} may read of a provider's configuration (docs/providers.md). */
public interface ProviderSettings {

    /** The provider's name. */
    String name();

    /** Its {@code api_version} setting (Azure OpenAI's {@code api-version} query parameter). */
    Optional<String> apiVersion();

    /** Whether every endpoint of the provider is on {@code host}: a vendor's own service, not a compatible one. */
    boolean onlyAt(String host);
}
