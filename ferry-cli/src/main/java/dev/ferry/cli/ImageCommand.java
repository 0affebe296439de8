package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry image}: making images without a Dockerfile. */
@Command(
    name = "image",
    description = "Make images without a Dockerfile; combine platforms under one name; encrypt or decrypt their layers.",
    subcommands = {ImageCommand.FromRootfs.class, ImageCommand.MakeIndex.class, ImageCommand.Encrypt.class, ImageCommand.Decrypt.class})
final class ImageCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** {@code ferry image from-rootfs}: one reproducible layer from a directory, plus a config. */
  @Command(
      name = "from-rootfs",
      description = "Make a one-layer image from a root filesystem directory (like 'docker import' of a tree).")
  static final class FromRootfs extends BaseCommand {
    @Parameters(paramLabel = "DIR", description = "Root filesystem directory.")
    Path dir;

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the new image.")
    String tag;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform of the image (default: this machine's).")
    String platform;

    @Option(names = "--entrypoint", paramLabel = "ARG", split = ",", description = "Entrypoint, comma-separated.")
    List<String> entrypoint = new ArrayList<>();

    @Option(names = "--cmd", paramLabel = "ARG", split = ",", description = "Default command, comma-separated.")
    List<String> cmd = new ArrayList<>();

    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory.")
    String workdir;

    @Option(names = {"-l", "--label"}, paramLabel = "K=V", description = "Label (repeatable).")
    List<String> labels = new ArrayList<>();

    @Option(names = "--compression", paramLabel = "gzip|zstd|none", description = "Layer compression (default: gzip).")
    MediaType.Compression compression = MediaType.Compression.GZIP;

    @Option(names = "--level", paramLabel = "N", description = "Compression level (gzip default 1, zstd default 3).")
    Integer level;

    @Option(
        names = "--zstd-workers",
        paramLabel = "N",
        description =
            "zstd compression threads (default: one per core, plus one). The blob is the same for any N >= 1;"
                + " 0 compresses on the layer writer's own thread, slower and with a different blob.")
    Integer zstdWorkers;

    @Option(names = "--root-owner", description = "Record every file as owned by 0:0 instead of its owner on disk.")
    boolean rootOwner;

    @Override
    int execute() throws Exception {
      String name = Images.storeName(tag);
      Platform p = platform(platform).orElse(Platform.host());
      if (!Files.isDirectory(dir)) {
        throw new UsageException("root filesystem directory " + dir + " does not exist or is not a directory");
      }
      for (String kv : env) {
        requireKeyValue("--env", kv);
      }
      for (String kv : labels) {
        requireKeyValue("--label", kv);
      }
      Instant epoch = LayerWriter.sourceDateEpoch();
      LayerWriter.Builder b = LayerWriter.builder().compression(compression).epoch(epoch);
      if (level != null) {
        b.level(level);
      }
      if (rootOwner) {
        b.forceOwner(0, 0);
      }
      if (zstdWorkers != null) {
        if (compression != MediaType.Compression.ZSTD) {
          throw new UsageException("--zstd-workers needs --compression zstd");
        }
        try {
          b.zstdWorkers(zstdWorkers);
        } catch (IllegalArgumentException e) {
          throw new UsageException(e.getMessage());
        }
      }
      LayerWriter writer = b.build();
      OciStore store = store();
      Descriptor top;
      try (OciStore.Session s = store.session()) {
        WrittenLayer layer;
        try (Progress pr = progress("layer");
            OciStore.BlobWriter w = store.newBlob()) {
          // The store writer is committed by this block, not closed by the layer writer.
          layer = writer.write(dir, new BlobProgressStream(w, pr));
          w.commit(layer.digest(), layer.size());
        }
        String created = epoch.toString();
        ImageConfig.Builder cb =
            ImageConfig.builder(p)
                .created(created)
                .addLayer(layer.diffId(), ImageConfig.History.of(created, "ferry image from-rootfs " + dir.getFileName(), false));
        List<String> allEnv = new ArrayList<>();
        if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
          allEnv.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        allEnv.addAll(env);
        cb.env(allEnv);
        if (!entrypoint.isEmpty()) {
          cb.entrypoint(entrypoint);
        }
        if (!cmd.isEmpty()) {
          cb.cmd(cmd);
        }
        if (workdir != null) {
          cb.workingDir(workdir);
        }
        for (String kv : labels) {
          int eq = kv.indexOf('=');
          cb.label(kv.substring(0, eq), kv.substring(eq + 1));
        }
        ImageConfig config = cb.build();
        Descriptor configDesc = store.put(config);
        Manifest m =
            Manifest.of(configDesc, List.of(Descriptor.of(layer.mediaType(), layer.digest(), layer.size())));
        top = store.put(m).withPlatform(p);
        store.tag(name, top);
      }
      info("Stored " + name + " (" + p + ")");
      out().println(top.digest());
      return 0;
    }

    private static void requireKeyValue(String option, String kv) {
      if (kv.indexOf('=') <= 0) {
        throw new UsageException(option + " needs KEY=VALUE, got '" + kv + "'");
      }
    }
  }

  /** {@code ferry image encrypt}: ocicrypt JWE layer encryption, as {@code skopeo copy --encryption-key}. */
  @Command(mixinStandardHelpOptions = true, name = "encrypt", description = "Encrypt every layer of an image (all platforms) for JWE recipients, as 'skopeo copy --encryption-key jwe:PUB.pem' does; tags the result.")
  static final class Encrypt extends BaseCommand {
    @Parameters(index = "0", paramLabel = "REF", description = "Image in the store.")
    String ref;

    @Option(names = "--key", required = true, paramLabel = "jwe:PEM", description = "A recipient's RSA public key (repeatable).")
    List<String> keys = new ArrayList<>();

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the encrypted image.")
    String tag;

    @Override
    int execute() throws Exception {
      OciStore store = store();
      List<java.security.PublicKey> recipients = new ArrayList<>();
      for (String k : keys) {
        recipients.add(dev.ferry.bundle.crypt.Keys.recipient(k));
      }
      Descriptor d = dev.ferry.bundle.crypt.ImageEncryption.encrypt(store, Images.require(store, ref), recipients);
      store.tag(Images.storeName(tag), d);
      out().println(d.digest());
      return 0;
    }
  }

  /** {@code ferry image decrypt}. */
  @Command(mixinStandardHelpOptions = true, name = "decrypt", description = "Decrypt the encrypted layers of an image (ocicrypt JWE, as 'skopeo copy --decryption-key' takes) and tag the result.")
  static final class Decrypt extends BaseCommand {
    @Parameters(index = "0", paramLabel = "REF", description = "Image in the store.")
    String ref;

    @Option(names = "--key", required = true, paramLabel = "jwe:PEM", description = "The RSA private key (PKCS#8 PEM).")
    String key;

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the decrypted image.")
    String tag;

    @Override
    int execute() throws Exception {
      OciStore store = store();
      Descriptor d = dev.ferry.bundle.crypt.ImageEncryption.decrypt(store, Images.require(store, ref), dev.ferry.bundle.crypt.Keys.decryptionKey(key));
      store.tag(Images.storeName(tag), d);
      out().println(d.digest());
      return 0;
    }
  }

  /** {@code ferry image index}: one multi-platform name over single-platform images of the store. */
  @Command(
      name = "index",
      description = {
        "Make a multi-platform image (an OCI index) from images already in the store, like 'docker manifest create'.",
        "Example: ferry image index -t base/busybox:1 base/busybox:1-amd64 base/busybox:1-arm64"
      })
  static final class MakeIndex extends BaseCommand {
    @Parameters(arity = "1..*", paramLabel = "REF", description = "Images to combine (each may itself be an index).")
    List<String> refs = new ArrayList<>();

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the new index.")
    String tag;

    @Override
    int execute() throws Exception {
      String name = Images.storeName(tag);
      OciStore store = store();
      Descriptor top;
      try (OciStore.Session s = store.session()) {
        List<Descriptor> manifests = new ArrayList<>();
        java.util.Map<Platform, String> seen = new java.util.LinkedHashMap<>();
        for (String ref : refs) {
          for (Images.Image img : Images.resolveAll(store, Images.require(store, ref))) {
            Platform p = img.platform();
            String before = seen.putIfAbsent(p, ref);
            if (before != null) {
              throw new UsageException("both " + before + " and " + ref + " have an image for " + p
                  + "; an index holds one image per platform");
            }
            Descriptor m = img.manifestDescriptor();
            manifests.add(Descriptor.of(m.mediaType(), m.digest(), m.size()).withPlatform(p));
          }
        }
        top = store.put(dev.ferry.oci.Index.of(manifests));
        store.tag(name, top);
        info("Stored " + name + " (" + String.join(", ", seen.keySet().stream().map(Platform::toString).toList()) + ")");
      }
      out().println(top.digest());
      return 0;
    }
  }
}
