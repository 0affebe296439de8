package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;

/**
 * A manifest or index as a registry served it: its descriptor (media type, digest of the exact bytes, size) and the
 * bytes. Immutable.
 */
public record RemoteManifest(Descriptor descriptor, byte[] bytes) {
  public RemoteManifest {
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }
}
