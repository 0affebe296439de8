package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.store.BlobNotFoundException;
import dev.ferry.oci.store.OciStore;
import dev.ferry.oci.store.VerifyingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where blobs are read from: Ferry's store, or a foreign OCI layout directory read without writing anything into
 * it (opening it as an {@link OciStore} would create Ferry's private directory there). Reads verify digests.
 */
interface BlobSource {
  String label();

  boolean exists(Digest d) throws IOException;

  long size(Digest d) throws IOException;

  /** A stream that fails at its end if the content does not hash to {@code d}. */
  InputStream open(Digest d) throws IOException;

  /** The entries of the layout's {@code index.json}. */
  List<Descriptor> entries() throws IOException;

  default byte[] read(Digest d) throws IOException {
    long size = size(d);
    if (size > OciStore.MAX_DOCUMENT_SIZE) {
      throw new IOException(
          "blob " + d + " in " + label() + " is " + size + " bytes, too large to be a manifest, index or config");
    }
    try (InputStream in = open(d)) {
      return in.readAllBytes();
    }
  }

  static BlobSource of(OciStore store) {
    return new BlobSource() {
      @Override
      public String label() {
        return store.root().toString();
      }

      @Override
      public boolean exists(Digest d) {
        return store.exists(d);
      }

      @Override
      public long size(Digest d) throws IOException {
        return store.size(d);
      }

      @Override
      public InputStream open(Digest d) throws IOException {
        return store.open(d);
      }

      @Override
      public byte[] read(Digest d) throws IOException {
        return store.read(d);
      }

      @Override
      public List<Descriptor> entries() throws IOException {
        return store.entries();
      }
    };
  }

  /** An OCI image layout directory, read only. */
  static BlobSource ofLayout(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("oci-layout")) || !Files.isRegularFile(dir.resolve("index.json"))) {
      throw new IOException(dir + " is not an OCI image layout (it needs oci-layout and index.json)");
    }
    return new BlobSource() {
      private Path path(Digest d) {
        return dir.resolve("blobs").resolve(d.algorithm().id()).resolve(d.hex());
      }

      @Override
      public String label() {
        return dir.toString();
      }

      @Override
      public boolean exists(Digest d) {
        return Files.isRegularFile(path(d));
      }

      @Override
      public long size(Digest d) throws IOException {
        try {
          return Files.size(path(d));
        } catch (NoSuchFileException e) {
          throw new BlobNotFoundException(d, dir.toString());
        }
      }

      @Override
      public InputStream open(Digest d) throws IOException {
        long size = size(d);
        return new VerifyingInputStream(Files.newInputStream(path(d)), d, size, "blob " + d + " in " + dir);
      }

      @Override
      public List<Descriptor> entries() throws IOException {
        byte[] b = Files.readAllBytes(dir.resolve("index.json"));
        try {
          return Index.parse(b, Optional.of(MediaType.OCI_INDEX.value())).manifests();
        } catch (IllegalArgumentException e) {
          throw new IOException(dir.resolve("index.json") + " is not a valid OCI index: " + e.getMessage(), e);
        }
      }
    };
  }
}
