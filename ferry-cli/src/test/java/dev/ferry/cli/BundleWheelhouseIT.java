package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import dev.ferry.testing.PythonWheels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delivery whose image names a wheelhouse: {@code ferry pack} resolves the hashed lock from a find-links directory,
 * carries the wheelhouse as an artifact, installs its wheels into the built image (one layer, without pip), and
 * the image loaded at the "site" runs the installed console script under runc.
 */
class BundleWheelhouseIT {
  @TempDir Path tmp;
  Cli vendor;
  RuncContainers containers;

  @BeforeEach
  void setUp() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Peers.isRoot(), "runc needs root here");
    containers = new RuncContainers(tmp);
    PythonWheels.require();
    vendor = new Cli(tmp.resolve("vendor"));
    PythonBaseImage.importInto(vendor, "pybase:1");
  }

  @AfterEach
  void deleteContainers() throws Exception {
    if (containers != null) {
      containers.close();
    }
  }

  @Test
  void pack_installsTheWheelhouseIntoTheImage_andTheLoadedImageRunsItsScripts() throws Exception {
    Path spec = Files.createDirectories(tmp.resolve("delivery"));
    Path wheels = Files.createDirectories(spec.resolve("wheels"));
    Path whl = Files.copy(PythonWheels.pure(tmp, "ferrydemo", "1.0"), wheels.resolve("ferrydemo-1.0-py3-none-any.whl"));
    Path svc = Files.createDirectories(spec.resolve("svc"));
    Files.writeString(svc.resolve("requirements.txt"),
        "ferrydemo==1.0 --hash=sha256:" + Processes.run("sha256sum", whl.toString()).stdout().split(" ")[0] + "\n");
    Files.writeString(svc.resolve("Dockerfile"), "FROM pybase:1\nCOPY requirements.txt /srv/\nCMD [\"ferrydemo-hello\", \"site\"]\n");
    Files.writeString(spec.resolve("ferry.yaml"), """
        name: pyshop
        version: 1.0.0
        images:
          - name: pyshop/api
            build: {context: ./svc}
            wheelhouse: wheels/api
        wheelhouses:
          - name: wheels/api
            lock: svc/requirements.txt
            find-links: wheels
        """);
    vendor.ok("spec", "check", "-f", spec.resolve("ferry.yaml").toString());
    Path bundle = tmp.resolve("pyshop.ferry");
    vendor.ok("pack", "-f", spec.resolve("ferry.yaml").toString(), "-o", bundle.toString());

    JsonNode lock = new ObjectMapper().readTree(vendor.ok("--json", "bundle", "inspect", bundle.toString()).out());
    assertThat(lock.toString()).as("the wheelhouse travels as an artifact").contains("\"wheels/api\"").contains("\"wheelhouse\"");
    assertThat(vendor.ok("history", "--no-trunc", "pyshop/api:1.0.0").out()).contains("ferry python install ferrydemo==1.0");

    Cli site = new Cli(tmp.resolve("site"));
    site.ok("bundle", "verify", bundle.toString());
    site.ok("bundle", "load", bundle.toString());
    Path rootfs = tmp.resolve("bundle");
    site.ok("unpack", "--bundle", "pyshop/api:1.0.0", rootfs.toString());
    Processes.Result r = containers.run(rootfs, "ferrydemo-hello", "site");
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout().strip()).isEqualTo("hello from ferrydemo 1.0 site");
  }

  @Test
  void specCheck_namesAnImageWheelhouseThatDoesNotExist_andAWheelhouseWithoutLock() throws Exception {
    Path spec = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(spec.resolve("Dockerfile"), "FROM scratch\n");
    Files.writeString(spec.resolve("ferry.yaml"), """
        name: bad
        version: 1
        images:
          - name: bad/api
            build: {context: .}
            wheelhouse: wheels/nope
        wheelhouses:
          - name: wheels/api
            index: http://127.0.0.1:1/simple/
        """);
    Cli.Run r = vendor.run("spec", "check", "-f", spec.resolve("ferry.yaml").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out() + r.err())
        .contains("ferry.yaml:6: images[0].wheelhouse: no wheelhouse named 'wheels/nope'")
        .contains("ferry.yaml:8: wheelhouses[0]: missing field 'lock'");
  }
}
