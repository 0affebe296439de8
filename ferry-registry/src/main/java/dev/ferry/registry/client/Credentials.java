package dev.ferry.registry.client;

import java.util.Objects;

/**
 * A user name and secret for one registry, with where they came from ({@code --creds},
 * {@code ~/.docker/config.json}, {@code docker-credential-pass}, …) so that errors can name the source. Immutable;
 * {@link #toString()} never shows the secret.
 *
 * @param username the user name; {@code <token>} for an identity token
 * @param secret the password, or the identity (refresh) token when {@code identityToken}
 * @param identityToken whether {@code secret} is an OAuth2 refresh token to exchange at the token service
 * @param source where the credentials were found, for messages
 */
public record Credentials(String username, String secret, boolean identityToken, String source) {
  public Credentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(source, "source");
    if (!identityToken && username.isEmpty()) {
      throw new IllegalArgumentException("credentials from " + source + " have an empty user name");
    }
  }

  /** User name and password. */
  public static Credentials basic(String username, String password, String source) {
    return new Credentials(username, password, false, source);
  }

  /** An identity token (what {@code docker login} stores for OAuth2 registries such as ACR). */
  public static Credentials identityToken(String token, String source) {
    return new Credentials("<token>", token, true, source);
  }

  /**
   * Parses {@code USER:PASSWORD} as given to {@code --creds}; the password may contain {@code :}.
   *
   * @throws IllegalArgumentException when there is no {@code :} (the message does not repeat the value)
   */
  public static Credentials parse(String userColonPassword, String source) {
    int colon = userColonPassword.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(source + " must be USER:PASSWORD (with a non-empty user)");
    }
    return basic(userColonPassword.substring(0, colon), userColonPassword.substring(colon + 1), source);
  }

  /** The same credentials with another source description. */
  public Credentials from(String newSource) {
    return new Credentials(username, secret, identityToken, newSource);
  }

  @Override
  public String toString() {
    return "Credentials[" + (identityToken ? "identity token" : "user " + username) + " from " + source + "]";
  }
}
