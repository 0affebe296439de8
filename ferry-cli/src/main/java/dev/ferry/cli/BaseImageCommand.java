package dev.ferry.cli;

import dev.ferry.build.debian.DebianBootstrap;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry base}: base images made from distribution packages, without any registry. */
@Command(
    name = "base",
    description = "Make base images from distribution packages (no registry needed).",
    subcommands = {BaseImageCommand.Debian.class})
final class BaseImageCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** {@code ferry base debian}: mmdebstrap from a Debian mirror, one reproducible layer per platform. */
  @Command(
      name = "debian",
      description = {
        "Build a reproducible Debian base image with mmdebstrap from a package mirror (root only).",
        "The mirror defaults to the first one apt is configured with. Downloaded .deb files are cached in"
            + " ~/.cache/ferry/debian/SUITE-ARCH/. SOURCE_DATE_EPOCH defaults to the suite's Release date."
      })
  static final class Debian extends BaseCommand {
    @Option(names = "--suite", required = true, paramLabel = "SUITE", description = "Debian suite or codename (e.g. bookworm).")
    String suite;

    @Option(names = "--packages", split = ",", paramLabel = "PKG", description = "Extra packages, comma-separated (with their dependencies).")
    List<String> packages = new ArrayList<>();

    @Option(names = "--mirror", paramLabel = "URL", description = "Package mirror (default: apt's first configured mirror, else " + DebianBootstrap.DEFAULT_MIRROR + ").")
    String mirror;

    @Option(names = "--variant", paramLabel = "NAME", description = "mmdebstrap variant: minbase (default), apt, essential, required, important, standard, buildd, ...")
    String variant = "minbase";

    @Option(names = "--components", split = ",", paramLabel = "NAME", description = "Archive components, comma-separated (default: main).")
    List<String> components = new ArrayList<>(List.of("main"));

    @Option(names = "--keyring", paramLabel = "FILE", description = "Keyring (file or directory) that signs the mirror's Release files.")
    Path keyring;

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the new image.")
    String tag;

    @Option(names = "--platform", split = ",", paramLabel = "OS/ARCH[/VARIANT]", description = "Platforms, comma-separated (default: this machine's); several make an image index.")
    List<String> platforms = new ArrayList<>();

    @Option(names = "--compression", paramLabel = "gzip|zstd|none", description = "Layer compression (default: gzip).")
    MediaType.Compression compression = MediaType.Compression.GZIP;

    /** Where apt's configuration is read for the default mirror; tests point it elsewhere. */
    Path etcApt = Path.of("/etc/apt");

    Map<String, String> env = System.getenv();

    @Override
    int execute() throws Exception {
      String name = Images.storeName(tag);
      String mirrorUrl = mirror != null ? mirror : DebianBootstrap.detectMirror(etcApt);
      List<Platform> ps = platforms();
      List<String> pkgs = List.copyOf(new LinkedHashSet<>(packages.stream().map(String::trim).filter(s -> !s.isEmpty()).toList()));
      if (keyring != null && !Files.exists(keyring)) {
        throw new UsageException("keyring " + keyring + " does not exist");
      }
      // Validates suite, packages, mirror, variant and components (IllegalArgumentException: exit 2).
      List<DebianBootstrap.Request> requests = new ArrayList<>();
      for (Platform p : ps) {
        requests.add(
            new DebianBootstrap.Request(
                suite, pkgs, mirrorUrl, variant, components, Optional.ofNullable(keyring), DebianBootstrap.debianArch(p)));
      }
      Path mmdebstrap =
          DebianBootstrap.findMmdebstrap(env)
              .orElseThrow(
                  () ->
                      new IOException(
                          "mmdebstrap is not installed: run 'apt-get install mmdebstrap' (or scripts/install-prereqs.sh)"));
      if (!"root".equals(System.getProperty("user.name"))) {
        throw new IOException("ferry base debian needs root (mmdebstrap's root mode owns the files as in the image)");
      }
      String host = DebianBootstrap.debianArch(Platform.host());
      for (DebianBootstrap.Request r : requests) {
        DebianBootstrap.checkCanRun(r.debianArch(), host, Path.of("/proc/sys/fs/binfmt_misc"));
      }
      Instant epoch = DebianBootstrap.epoch(env, mirrorUrl, suite);
      DebianBootstrap bootstrap = new DebianBootstrap(mmdebstrap, DebianBootstrap.defaultCacheRoot(env), this::info);
      LayerWriter writer = LayerWriter.builder().compression(compression).epoch(epoch).build();
      OciStore store = store();
      Descriptor top;
      try (OciStore.Session s = store.session()) {
        List<Descriptor> manifests = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
          manifests.add(image(store, bootstrap, writer, requests.get(i), ps.get(i), epoch));
        }
        top = manifests.size() == 1 ? manifests.get(0) : store.put(Index.of(manifests));
        store.tag(name, top);
      }
      info("Stored " + name + " (debian:" + suite + ", " + String.join(", ", ps.stream().map(Platform::toString).toList()) + ")");
      out().println(top.digest());
      return 0;
    }

    private List<Platform> platforms() {
      List<Platform> ps = new ArrayList<>();
      for (String v : platforms) {
        if (v.isBlank()) {
          continue;
        }
        Platform p = Platform.parse(v);
        if (ps.contains(p)) {
          throw new UsageException("platform " + p + " is given twice");
        }
        ps.add(p);
      }
      if (ps.isEmpty()) {
        ps.add(Platform.host());
      }
      return ps;
    }

    private Descriptor image(
        OciStore store, DebianBootstrap bootstrap, LayerWriter writer, DebianBootstrap.Request r, Platform p, Instant epoch)
        throws IOException, InterruptedException {
      // World-readable, so that apt's download sandbox (user _apt) can write its partial/ directories.
      Path work =
          Files.createTempDirectory(
              "ferry-debian-",
              java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                  java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
      try {
        Path rootfs = work.resolve("rootfs");
        info("mmdebstrap " + r.suite() + " " + r.debianArch() + " from " + r.mirror()
            + (r.packages().isEmpty() ? "" : " with " + String.join(",", r.packages())));
        bootstrap.run(r, epoch, rootfs, work);
        WrittenLayer layer;
        try (Progress pr = progress("layer " + p);
            OciStore.BlobWriter w = store.newBlob()) {
          layer = writer.write(rootfs, new BlobProgressStream(w, pr));
          w.commit(layer.digest(), layer.size());
        }
        String created = epoch.toString();
        String desc =
            "ferry base debian --suite " + r.suite() + " --variant " + r.variant()
                + (r.packages().isEmpty() ? "" : " --packages " + String.join(",", r.packages()));
        ImageConfig.Builder cb =
            ImageConfig.builder(p)
                .created(created)
                .addLayer(layer.diffId(), ImageConfig.History.of(created, desc, false))
                .env(List.of("PATH=" + DebianBootstrap.DEFAULT_PATH))
                .cmd(List.of("bash"))
                .label("org.opencontainers.image.base.name", "debian:" + r.suite())
                .label("dev.ferry.debian.suite", r.suite())
                .label("dev.ferry.debian.variant", r.variant())
                .label("dev.ferry.debian.packages", String.join(",", r.packages()))
                .label("dev.ferry.debian.mirror", r.mirror());
        Descriptor configDesc = store.put(cb.build());
        Manifest m =
            Manifest.of(configDesc, List.of(Descriptor.of(layer.mediaType(), layer.digest(), layer.size())));
        return store.put(m).withPlatform(p);
      } finally {
        try {
          DebianBootstrap.deleteTree(work);
        } catch (IOException e) {
          info("warning: could not remove " + work + ": " + e.getMessage());
        }
      }
    }
  }
}
