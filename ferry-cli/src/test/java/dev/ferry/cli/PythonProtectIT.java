package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry python protect} end to end: a protected app runs under runc in a Debian python3 image (with Debian's
 * python3-cryptography) as {@code python3 main.py}, {@code python3 -m app} and {@code python3 setup.py}; without the
 * key, or with another key, it stops with one line; no plaintext of a protected module is in the tree or written
 * by running it.
 */
class PythonProtectIT {
  @TempDir Path tmp;
  Cli ferry;
  RuncContainers runc;

  @BeforeEach
  void setUp() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Peers.isRoot(), "runc needs root here");
    runc = new RuncContainers(tmp);
    ferry = new Cli(tmp.resolve("store"));
    PythonBaseImage.importInto(ferry, "pybase:1");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (runc != null) {
      runc.close();
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  @Test
  void protectedApp_runsWithKey_failsInOneLineWithoutOrWithWrongKey_noPlaintextOnDisk() throws Exception {
    Path src = tmp.resolve("src");
    Files.createDirectories(src.resolve("app/sub"));
    Files.writeString(src.resolve("main.py"), "import app\nfrom app.sub import helper\n"
        + "if __name__ == '__main__':\n    print('main says', app.greet(), helper.double(21))\n");
    Files.writeString(src.resolve("app/__init__.py"), "def greet():\n    return 'SECRET-GREETING'\n");
    Files.writeString(src.resolve("app/__main__.py"), "from app import greet\nprint('as -m:', greet())\n");
    Files.writeString(src.resolve("app/sub/__init__.py"), "");
    Files.writeString(src.resolve("app/sub/helper.py"), "def double(x):\n    return 2 * x  # SECRET-HELPER\n");
    Files.writeString(src.resolve("setup.py"), "print('setup.py body ran')  # SECRET-SETUP\n");
    Files.writeString(src.resolve("config.yaml"), "plain: true\n");
    Files.createDirectories(src.resolve("app/__pycache__"));
    Files.writeString(src.resolve("app/__pycache__/__init__.cpython-311.pyc"), "SECRET-GREETING bytecode");

    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(3072);
    KeyPair customer = g.generateKeyPair();
    KeyPair other = g.generateKeyPair();
    Path pub = tmp.resolve("customer.pub.pem");
    Files.writeString(pub, pem("PUBLIC KEY", customer.getPublic().getEncoded()));

    Path out = tmp.resolve("protected");
    ferry.ok("python", "protect", src.toString(), "-o", out.toString(), "--key", pub.toString());
    assertThat(grep(out, "SECRET-")).as("plaintext of protected modules in the output").isEmpty();
    assertThat(out.resolve("config.yaml")).hasContent("plain: true");

    // into an image's root file system, with the customer's key as a file
    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "pybase:1", bundle.toString());
    Path rootfs = bundle.resolve("rootfs");
    copyTree(out, rootfs.resolve("app"));
    Files.createDirectories(rootfs.resolve("keys"));
    Files.writeString(rootfs.resolve("keys/customer.pem"), pem("PRIVATE KEY", customer.getPrivate().getEncoded()));
    Files.writeString(rootfs.resolve("keys/other.pem"), pem("PRIVATE KEY", other.getPrivate().getEncoded()));

    Processes.Result ok = runc.run(bundle, Map.of("FERRY_PROTECT_KEY_FILE", "/keys/customer.pem"), "sh", "-c",
        "cd /app && python3 main.py && python3 -m app && python3 setup.py");
    assertThat(ok.exitCode()).as(ok.stderr()).isZero();
    assertThat(ok.stdout().lines().toList())
        .containsExactly("main says SECRET-GREETING 42", "as -m: SECRET-GREETING", "setup.py body ran");

    Processes.Result env = runc.run(bundle,
        Map.of("FERRY_PROTECT_KEY", pem("PRIVATE KEY", customer.getPrivate().getEncoded())), "python3", "/app/main.py");
    assertThat(env.stdout()).isEqualTo("main says SECRET-GREETING 42\n");

    Processes.Result none = runc.run(bundle, "sh", "-c", "cd /app && python3 main.py");
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.stderr()).startsWith("ferry-protect: no key: set FERRY_PROTECT_KEY_FILE").hasLineCount(1);

    Processes.Result wrong = runc.run(bundle, Map.of("FERRY_PROTECT_KEY_FILE", "/keys/other.pem"), "sh", "-c",
        "cd /app && python3 -m app");
    assertThat(wrong.exitCode()).isEqualTo(1);
    assertThat(wrong.stderr()).startsWith("ferry-protect: the key in /keys/other.pem does not open this build")
        .hasLineCount(1);

    assertThat(grep(rootfs.resolve("app"), "SECRET-")).as("plaintext written while running").isEmpty();
  }

  private static List<Path> grep(Path dir, String needle) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(p -> {
        try {
          return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(needle);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
    }
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path d = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(d);
        } else {
          Files.copy(p, d);
        }
      }
    }
  }
}
