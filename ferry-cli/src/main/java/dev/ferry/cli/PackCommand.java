package dev.ferry.cli;

import dev.ferry.build.BuildProgress;
import dev.ferry.bundle.BundleFile;
import dev.ferry.bundle.BundleLock;
import dev.ferry.bundle.BundleMetadata;
import dev.ferry.bundle.DeltaBase;
import dev.ferry.bundle.Inventory;
import dev.ferry.bundle.Packer;
import dev.ferry.bundle.Signatures;
import dev.ferry.bundle.PythonWheelhouses;
import dev.ferry.bundle.spec.DeliverySpec;
import dev.ferry.bundle.spec.SpecParser;
import dev.ferry.oci.Digest;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.registry.client.RegistryClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry pack}: a delivery spec into a bundle file. */
@Command(
    mixinStandardHelpOptions = true,
    name = "pack",
    description = {
      "Build or pull everything ferry.yaml names, then write the delivery bundle.",
      "The bundle is one tar holding an OCI layout (every blob once), ferry.lock.json, checksums.sha256, SBOMs and,",
      "with --key, a signature over the lock."
    })
final class PackCommand extends BaseCommand {
  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The spec (default ferry.yaml).")
  Path file = Path.of("ferry.yaml");

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The bundle (default NAME-VERSION.ferry beside the spec).")
  Path output;

  @Option(names = "--target", paramLabel = "NAME", split = ",", description = "Pack only these targets (default: all of the spec's).")
  List<String> targets = new ArrayList<>();

  @Option(names = "--zstd", description = "Compress the whole tar with zstd (level 3).")
  boolean zstd;

  @Option(names = "--split", paramLabel = "SIZE", description = "Write parts of SIZE bytes (K, M, G suffixes: 4G) named FILE.000, FILE.001, ...")
  String split;

  @Option(names = "--key", paramLabel = "PEM", description = "Sign the lock with this Ed25519 private key ('ferry keygen').")
  Path key;

  @Option(names = "--against", paramLabel = "INVENTORY", description = "Pack a delta: leave out layers the site has, as 'ferry inventory' listed them.")
  Path against;

  @Option(names = "--inventory-key", paramLabel = "PEM", description = "Public key the inventory must be signed with.")
  Path inventoryKey;

  @Option(names = "--since", paramLabel = "BUNDLE", description = "Pack a delta: leave out layers an earlier bundle carried (or relied on).")
  Path since;

  @Option(names = "--encrypt-for", paramLabel = "jwe:PEM", description = "Encrypt image layers for this RSA public key (repeatable; ocicrypt JWE, what skopeo --decryption-key reads). The lock and SBOMs stay readable.")
  List<String> encryptFor = new ArrayList<>();

  @Option(names = "--no-sbom", description = "Do not generate SBOMs (they read every layer once).")
  boolean noSbom;

  @Option(names = "--no-cache", description = "Rebuild images without the step cache.")
  boolean noCache;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    if (against != null && since != null) {
      throw new UsageException("--against and --since are alternatives; give one");
    }
    DeliverySpec spec = SpecParser.parse(file);
    Path out = output != null ? output : spec.directory().resolve(spec.defaultBundleName());
    DeltaBase base = DeltaBase.NONE;
    if (against != null) {
      base = Inventory.read(against, Optional.ofNullable(inventoryKey).map(PackCommand::publicKey)).base();
    } else if (since != null) {
      try (BundleFile previous = BundleFile.open(since)) {
        BundleLock lock = BundleMetadata.read(previous).lock();
        Map<Digest, List<String>> have = new LinkedHashMap<>();
        lock.blobs().forEach(b -> have.put(b.digest(), List.of()));
        lock.base().forEach(b -> have.put(b.digest(), b.repositories()));
        base = new DeltaBase(since.toString(), have);
      }
    }
    BuildProgress progress = quiet() ? BuildProgress.NONE : line -> {
      err().println(line);
      err().flush();
    };
    Packer.Options options = new Packer.Options(targets, out, zstd, split == null ? 0 : parseSize(split),
        Optional.ofNullable(key).map(PackCommand::privateKey), base, !noSbom, noCache, LayerWriter.sourceDateEpoch(), recipients());
    Packer.Result r;
    try (RegistryClient client = registry.client(); PythonWheelhouses python = new PythonWheelhouses(this::info)) {
      r = new Packer(store(), client, progress, this::info, python).pack(spec, options);
    }
    info("Packed " + r.files().get(0) + (r.files().size() > 1 ? " (+" + (r.files().size() - 1) + " parts)" : "") + ": "
        + Bytes.human(r.bytesWritten()) + ", " + r.lock().images().size() + " image(s), " + r.lock().artifacts().size() + " artifact(s)"
        + (r.lock().isDelta() ? ", delta: " + r.lock().base().size() + " blobs (" + Bytes.human(r.blobBytesLeftOut()) + ") left to the site" : "")
        + (key != null ? ", signed" : ""));
    r.files().forEach(out()::println);
    return 0;
  }

  private List<java.security.PublicKey> recipients() throws java.io.IOException {
    List<java.security.PublicKey> out = new ArrayList<>();
    for (String k : encryptFor) {
      out.add(dev.ferry.bundle.crypt.Keys.recipient(k));
    }
    return out;
  }

  static java.security.PrivateKey privateKey(Path p) {
    try {
      return Signatures.readPrivate(p);
    } catch (java.io.IOException e) {
      throw new UsageException(e.getMessage());
    }
  }

  static java.security.PublicKey publicKey(Path p) {
    try {
      return Signatures.readPublic(p);
    } catch (java.io.IOException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** {@code 4G}, {@code 512M}, {@code 100K}, {@code 1000}: bytes (binary multiples). */
  static long parseSize(String value) {
    String v = value.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
    long mult = 1;
    if (!v.isEmpty() && "KMGT".indexOf(v.charAt(v.length() - 1)) >= 0) {
      mult = 1L << (10 * ("KMGT".indexOf(v.charAt(v.length() - 1)) + 1));
      v = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(v) * mult;
      if (n < BundleFile.PART_UNIT || n % BundleFile.PART_UNIT != 0) {
        throw new UsageException("--split must be a whole number of MiB (700M, 4G), got '" + value + "'");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("--split needs a size like 4G or 700M, got '" + value + "'");
    }
  }
}
