/**
 * The gateway's configuration, read once at start from the environment, system properties and the YAML file
 * ({@link dev.anyrouter.config.Settings}, {@link dev.anyrouter.config.ConfigFile}) into immutable records, the
 * whole of it a {@link dev.anyrouter.config.GatewayConfig} (prices per token are a {@link dev.anyrouter.config.Price}). A malformed value stops the start with a
 * {@link dev.anyrouter.config.ConfigException} naming the setting. Every setting is listed in
 * docs/configuration.md; providers and their presets in docs/providers.md.
 */
package dev.anyrouter.config;
