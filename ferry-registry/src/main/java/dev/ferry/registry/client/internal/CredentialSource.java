package dev.ferry.registry.client.internal;

import dev.ferry.registry.client.Credentials;
import java.io.IOException;
import java.util.Optional;

/** Finds credentials for a registry, in the client's configured order. Implementations are thread-safe. */
public interface CredentialSource {
  Optional<Credentials> lookup(String registry) throws IOException;

  /** Where {@link #lookup} looks, for "no credentials found in …" messages. */
  String searched();
}
