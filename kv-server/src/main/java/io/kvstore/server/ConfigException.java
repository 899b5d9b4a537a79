package io.kvstore.server;

/**
 * Immutable. A flag or {@link ServerConfig} field is wrong; the message is one line that names the
 * flag and says why.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
