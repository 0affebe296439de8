package dev.ferry.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.build.BuildProgress;
import dev.ferry.bundle.spec.SpecParser;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SBOM of an image whose rpmdb.sqlite was written by the real rpm (Debian's {@code rpm}: {@code rpmbuild} makes two
 * small packages, {@code rpm --justdb} installs them into a SQLite rpmdb), packed with {@code ferry pack}.
 */
class BundleRpmSbomIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path rpm(String name, String epoch, String version, String release, String arch, String license) throws Exception {
    Path top = tmp.resolve("rpmbuild");
    Path spec = Files.createDirectories(top.resolve("SPECS")).resolve(name + ".spec");
    Files.writeString(spec, """
        Name: %s
        %sVersion: %s
        Release: %s
        Summary: a package for Ferry's SBOM test
        License: %s
        BuildArch: %s
        %%description
        a package for Ferry's SBOM test
        %%files
        """.formatted(name, epoch.isEmpty() ? "" : "Epoch: " + epoch + "\n", version, release, license, arch));
    Processes.run(List.of(Peers.require("rpmbuild").toString(), "-bb", "--define", "_topdir " + top, spec.toString()), tmp, Map.of(), 120).ok();
    return top.resolve("RPMS/" + arch + "/" + name + "-" + version + "-" + release + "." + arch + ".rpm");
  }

  @Test
  void pack_imageWithSqliteRpmdb_sbomListsItsRpmPackages() throws Exception {
    String rpm = Peers.require("rpm").toString();
    Path dbDir = tmp.resolve("rpmdb");
    List<String> sqlite = List.of("--dbpath", dbDir.toString(), "--define", "_db_backend sqlite");
    List<String> init = new ArrayList<>(List.of(rpm, "--initdb"));
    init.addAll(sqlite);
    Processes.run(init, tmp, Map.of(), 60).ok();
    List<String> install = new ArrayList<>(List.of(rpm, "-i", "--nodeps", "--justdb", "--ignorearch"));
    install.addAll(sqlite);
    install.add(rpm("ferry-hello", "", "1.2.3", "4.oe2403", "x86_64", "MulanPSL-2.0").toString());
    install.add(rpm("ferry-tools", "3", "0.9", "1.el9", "noarch", "MIT").toString());
    Processes.run(install, tmp, Map.of(), 120).ok();
    byte[] db = Files.readAllBytes(dbDir.resolve("rpmdb.sqlite"));
    assertThat(new String(db, 0, 15, StandardCharsets.US_ASCII)).isEqualTo("SQLite format 3");

    OciStore store = OciStore.open(tmp.resolve("store"));
    Descriptor base = TestImages.binaryLayer(store, Map.of("var/lib/rpm/rpmdb.sqlite", db,
        "etc/os-release", "NAME=\"openEuler\"\nID=\"openEuler\"\nVERSION_ID=\"24.03\"\n".getBytes(StandardCharsets.UTF_8)));
    Descriptor app = TestImages.layer(store, Map.of("app/run", "echo hi"));
    store.tag("registry.example.com/team/euler:1", TestImages.image(store, Platform.LINUX_AMD64, List.of(base, app)));
    // The same rpmdb hidden again by a later layer's whiteout: no RPM packages in that image's SBOM.
    Descriptor gone = TestImages.layer(store, Map.of("var/lib/rpm/.wh.rpmdb.sqlite", ""));
    store.tag("registry.example.com/team/slim:1", TestImages.image(store, Platform.LINUX_AMD64, List.of(base, gone)));
    // An older image with a BerkeleyDB rpmdb: not read, and the pack says so.
    Descriptor bdb = TestImages.layer(store, Map.of("var/lib/rpm/Packages", "BerkeleyDB pages"));
    store.tag("registry.example.com/team/old:1", TestImages.image(store, Platform.LINUX_AMD64, List.of(bdb)));

    Path out = tmp.resolve("euler.ferry");
    List<String> log = new ArrayList<>();
    Packer p = new Packer(store, null, BuildProgress.NONE, log::add, WheelhouseProvider.NONE);
    p.pack(SpecParser.parse(Files.writeString(tmp.resolve("ferry.yaml"), """
        name: euler
        version: 1.0.0
        targets: [x86_nvidia]
        images:
          - name: team/euler
            pull: registry.example.com/team/euler:1
          - name: team/slim
            pull: registry.example.com/team/slim:1
          - name: team/old
            pull: registry.example.com/team/old:1
        """)), new Packer.Options(List.of(), out, false, 0, Optional.empty(), DeltaBase.NONE, true, false, Instant.EPOCH));
    assertThat(log).filteredOn(l -> l.contains("rpm")).containsExactly("SBOM of team/old:1 (linux/amd64): var/lib/rpm/Packages is an rpmdb "
        + "form Ferry does not read (only var/lib/rpm/rpmdb.sqlite); its RPM packages are not listed");

    try (BundleFile b = BundleFile.open(out)) {
      BundleLock lock = BundleMetadata.read(b).lock();
      Digest euler = lock.images().get(0).platforms().get(0).sbom().orElseThrow();
      JsonNode sbom = JSON.readTree(BundleMetadata.readBlob(b, euler));
      List<String> rows = new ArrayList<>();
      sbom.path("components").forEach(c -> rows.add(c.path("name").asText() + " " + c.path("version").asText() + " "
          + c.path("purl").asText() + " " + c.path("licenses").path(0).path("license").path("name").asText()));
      assertThat(rows).containsExactly(
          "ferry-hello 1.2.3-4.oe2403 pkg:rpm/openeuler/ferry-hello@1.2.3-4.oe2403?arch=x86_64 MulanPSL-2.0",
          "ferry-tools 3:0.9-1.el9 pkg:rpm/openeuler/ferry-tools@0.9-1.el9?arch=noarch&epoch=3 MIT");
      Digest slim = lock.images().get(1).platforms().get(0).sbom().orElseThrow();
      assertThat(JSON.readTree(BundleMetadata.readBlob(b, slim)).path("components")).isEmpty();
      Digest old = lock.images().get(2).platforms().get(0).sbom().orElseThrow();
      assertThat(JSON.readTree(BundleMetadata.readBlob(b, old)).path("components")).isEmpty();
    }
  }
}
