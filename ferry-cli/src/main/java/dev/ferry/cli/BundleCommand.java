package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bundle.BundleFile;
import dev.ferry.bundle.BundleFormat;
import dev.ferry.bundle.BundleLoader;
import dev.ferry.bundle.BundleLock;
import dev.ferry.bundle.BundleMetadata;
import dev.ferry.bundle.BundlePusher;
import dev.ferry.bundle.BundleServer;
import dev.ferry.bundle.BundleVerifier;
import dev.ferry.bundle.spec.Naming;
import dev.ferry.oci.Digest;
import dev.ferry.oci.archive.ImportedImage;
import dev.ferry.registry.client.RegistryClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry bundle}: using a bundle file made by {@code ferry pack}. */
@Command(
    mixinStandardHelpOptions = true,
    name = "bundle",
    description = "Inspect, verify, load, push or serve a .ferry bundle.",
    subcommands = {
      BundleCommand.Inspect.class,
      BundleCommand.Verify.class,
      BundleCommand.Load.class,
      BundleCommand.Push.class,
      BundleCommand.Serve.class,
      BundleCommand.Sbom.class,
    })
final class BundleCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (inspect, verify, load, push, serve, sbom)");
  }

  /** Turns cumulative byte counts into the increments {@link Progress} wants. */
  static LongConsumer increments(Progress p) {
    long[] last = {0};
    return total -> {
      p.add(total - last[0]);
      last[0] = total;
    };
  }

  /** The bundle argument and the key its signature must verify with, shared by the verbs that verify first. */
  static final class Checked {
    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle (or its first part).")
    Path file;

    @Option(names = "--key", paramLabel = "PEM", description = "The sender's public key; the bundle must be signed with it.")
    Path key;

    Optional<PublicKey> publicKey() {
      return Optional.ofNullable(key).map(PackCommand::publicKey);
    }
  }

  /** {@code ferry bundle inspect}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "inspect", description = "What a bundle holds: images with platforms and sizes, artifacts, bytes shared between images (--json: the lock).")
  static final class Inspect extends BaseCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle (or its first part).")
    Path file;

    @Override
    int execute() throws Exception {
      BundleMetadata m;
      try (BundleFile b = BundleFile.open(file)) {
        m = BundleMetadata.read(b);
        BundleLock lock = m.lock();
        if (json()) {
          out().print(new String(lock.bytes(), StandardCharsets.UTF_8));
          return 0;
        }
        Map<Digest, Long> sizes = new HashMap<>();
        lock.blobs().forEach(x -> sizes.put(x.digest(), x.size()));
        out().println(lock.name() + " " + lock.version() + "  (" + (b.compressed() ? "zstd, " : "") + Bytes.human(b.size()) + " on disk"
            + (b.parts().size() > 1 ? " in " + b.parts().size() + " parts" : "") + ", " + (m.signed() ? "signed" : "unsigned")
            + (lock.isDelta() ? ", delta: " + lock.base().size() + " blobs expected at the site" : "") + ")");
        out().println("targets: " + String.join(", ", lock.targets().stream().map(t -> t.name() + " (" + t.platform() + ")").toList()));
        Table t = new Table("NAME", "KIND", "PLATFORM", "TARGETS", "DIGEST", "SIZE", "SBOM");
        Map<Digest, Integer> uses = new HashMap<>();
        for (BundleLock.LockedImage i : lock.images()) {
          for (BundleLock.LockedPlatform p : i.platforms()) {
            t.add(i.nameAndTag(), "image", p.platform().toString(), String.join(",", p.targets()), p.digest().toString().substring(0, 19),
                Bytes.human(p.layerBytes()), p.sbom().isPresent() ? "yes" : "-");
          }
        }
        for (BundleLock.LockedArtifact a : lock.artifacts()) {
          long size = a.files().stream().mapToLong(BundleLock.LockedFile::size).sum();
          t.add(a.nameAndTag(), a.kind(), "-", "-", a.digest().toString().substring(0, 19), Bytes.human(size) + " (" + a.files().size() + " files)",
              a.sbom().isPresent() ? "yes" : "-");
        }
        t.print(out());
        long total = lock.blobBytes();
        long layerSum = lock.images().stream().flatMap(i -> i.platforms().stream()).mapToLong(BundleLock.LockedPlatform::layerBytes).sum();
        out().println(lock.blobs().size() + " blobs, " + Bytes.human(total) + "; images' layers add up to " + Bytes.human(layerSum)
            + (layerSum > total ? ", " + Bytes.human(layerSum - total) + " shared" : ""));
      }
      return 0;
    }
  }

  /** {@code ferry bundle verify}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "verify", description = "Check every blob digest, checksums.sha256, the lock and, with --key, the signature (exit 1 naming the first bad entry).")
  static final class Verify extends BaseCommand {
    @Mixin Checked bundle;

    @Override
    int execute() throws Exception {
      BundleVerifier.Report r;
      try (BundleFile b = BundleFile.open(bundle.file); Progress p = progress("verifying")) {
        r = BundleVerifier.verify(b, bundle.publicKey(), increments(p));
      }
      if (json()) {
        ObjectNode o = Json.object();
        o.put("valid", true).put("name", r.lock().name()).put("version", r.lock().version()).put("entries", r.entries())
            .put("bytes", r.bytes()).put("signed", r.signed()).put("signatureChecked", r.signatureChecked());
        out().println(Json.write(o));
      } else {
        out().println(bundle.file + ": ok: " + r.lock().blobs().size() + " blobs (" + Bytes.human(r.bytes()) + ") match their digests"
            + (r.signatureChecked() ? ", signature valid" : r.signed() ? ", signed (pass --key to check the signature)" : ", unsigned"));
      }
      return 0;
    }
  }

  /** {@code ferry bundle load}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "load", description = "Verify a bundle, then import its images and artifacts into the store, named NAME:TAG (nothing is written from a bad bundle).")
  static final class Load extends BaseCommand {
    @Mixin Checked bundle;

    @Option(names = "--decryption-key", paramLabel = "jwe:PEM", description = "Decrypt encrypted image layers with this RSA private key after loading.")
    String decryptionKey;

    @Override
    int execute() throws Exception {
      BundleLoader.Loaded l;
      java.security.PrivateKey decryption = decryptionKey == null ? null : dev.ferry.bundle.crypt.Keys.decryptionKey(decryptionKey);
      var store = store();
      try (BundleFile b = BundleFile.open(bundle.file); Progress p = progress("verifying, then loading")) {
        l = BundleLoader.load(store, b, bundle.publicKey(), increments(p));
      }
      for (ImportedImage i : l.imported().images()) {
        dev.ferry.oci.Descriptor d = i.descriptor();
        if (decryption != null && i.name().isPresent() && (d.isIndex() || d.isManifest())) {
          // Decrypted in place: the name then means the plain image, as it was before packing.
          d = dev.ferry.bundle.crypt.ImageEncryption.decrypt(store, d, decryption);
          store.tag(i.name().get(), d);
        }
        out().println(i.name().orElse("") + " " + d.digest());
      }
      info("Loaded " + l.imported().images().size() + " image(s)/artifact(s): " + l.imported().blobsWritten() + " blobs written, "
          + l.imported().blobsSkipped() + " already in the store");
      return 0;
    }
  }

  /** {@code ferry bundle push}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "push", description = {
      "Verify a bundle, then push everything in it to REGISTRY/PREFIX, streamed from the file.",
      "Each blob once (HEAD first, then mounts), images in parallel; an index already at a tag keeps its other platforms.",
      "Prints the push report."})
  static final class Push extends BaseCommand {
    @Mixin Checked bundle;

    @Option(names = "--to", required = true, paramLabel = "REGISTRY[/PREFIX]", description = "Where to push.")
    String to;

    @Option(names = "--map", paramLabel = "keep-path|flatten", description = "Destination naming (default: the spec's, else keep-path).")
    String map;

    @Mixin RegistryOptions registry;

    @Override
    int execute() throws Exception {
      String prefix = PrefixPush.prefix("--to", to);
      Optional<Naming> naming = Optional.ofNullable(map).map(Naming::parse);
      BundlePusher.Report r;
      try (BundleFile b = BundleFile.open(bundle.file); RegistryClient client = registry.client()) {
        BundleVerifier.Report verified;
        try (Progress vp = progress("verifying")) {
          verified = BundleVerifier.verify(b, bundle.publicKey(), increments(vp));
        }
        try (TransferProgress tp = new TransferProgress(this, "pushing")) {
          r = BundlePusher.push(client, b, verified, new BundlePusher.Options(prefix, naming, registry.parallel), tp);
        }
      }
      if (json()) {
        ArrayNode a = Json.array();
        r.pushed().forEach(p -> a.addObject().put("source", p.source()).put("name", p.name()).put("destination", p.destination().toString())
            .put("digest", p.digest().toString()).put("merged", p.merged()));
        ObjectNode o = Json.object();
        o.set("pushed", a);
        o.put("blobsUploaded", r.uploaded()).put("blobsMounted", r.mounted()).put("blobsExisting", r.existing()).put("bytesUploaded", r.bytesSent());
        out().println(Json.write(o));
        return 0;
      }
      Table t = new Table("SOURCE", "DESTINATION", "DIGEST");
      r.pushed().forEach(p -> t.add(p.source().isEmpty() ? p.name() : p.source(), p.destination().toString(),
          p.digest() + (p.merged() ? " (merged)" : "")));
      t.print(out());
      info("Pushed " + r.pushed().size() + " image(s)/artifact(s): " + r.uploaded() + " blobs uploaded (" + Bytes.human(r.bytesSent()) + "), "
          + r.mounted() + " mounted, " + r.existing() + " already there" + (r.signatureChecked() ? "; signature valid" : ""));
      return 0;
    }
  }

  /** {@code ferry bundle serve}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "serve", description = "Serve a verified bundle as a read-only registry (images under NAME:TAG), without unpacking it, until stopped.")
  static final class Serve extends BaseCommand {
    @Mixin Checked bundle;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 127.0.0.1:5000; port 0 picks a free one).")
    String listen = "127.0.0.1:5000";

    @Override
    int execute() throws Exception {
      var address = ServeCommand.Registry.parseListen(listen);
      BundleFile b = BundleFile.open(bundle.file);
      BundleVerifier.Report r;
      try (Progress p = progress("verifying")) {
        r = BundleVerifier.verify(b, bundle.publicKey(), increments(p));
      }
      BundleServer server = BundleServer.start(b, r, address);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stop.countDown();
      }, "ferry-bundle-serve-stop"));
      info("Serving " + bundle.file + " read-only on http://" + address.getHostString() + ":" + server.port() + " ("
          + String.join(", ", server.repositories()) + "); Ctrl-C stops it");
      out().println(address.getHostString() + ":" + server.port());
      out().flush();
      stop.await();
      return 0;
    }
  }

  /** {@code ferry bundle sbom}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "sbom", description = "Print the CycloneDX 1.5 SBOM of an image (per platform) or artifact in a bundle.")
  static final class Sbom extends BaseCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle.")
    Path file;

    @Parameters(index = "1", paramLabel = "NAME[:TAG]", description = "Image or artifact, as 'ferry bundle inspect' lists it.")
    String name;

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Which platform's SBOM (default: the only, else the first).")
    String platform;

    @Override
    int execute() throws Exception {
      try (BundleFile b = BundleFile.open(file)) {
        BundleLock lock = BundleMetadata.read(b).lock();
        Optional<Digest> sbom = Optional.empty();
        for (BundleLock.LockedImage i : lock.images()) {
          if (i.nameAndTag().equals(name) || i.name().equals(name)) {
            sbom = i.platforms().stream().filter(p -> platform == null || p.platform().toString().equals(platform)).findFirst()
                .flatMap(BundleLock.LockedPlatform::sbom);
          }
        }
        for (BundleLock.LockedArtifact a : lock.artifacts()) {
          if (a.nameAndTag().equals(name) || a.name().equals(name)) {
            sbom = a.sbom();
          }
        }
        Digest d = sbom.orElseThrow(() -> new UsageException("no SBOM for " + name + (platform != null ? " " + platform : "")
            + " in " + file + "; 'ferry bundle inspect' lists what it holds"));
        out().println(new String(BundleMetadata.readBlob(b, d), StandardCharsets.UTF_8));
      }
      return 0;
    }
  }
}
