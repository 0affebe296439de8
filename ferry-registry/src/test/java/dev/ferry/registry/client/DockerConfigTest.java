package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTest {
  @TempDir Path dir;

  private Path config(String json) throws IOException {
    Path f = dir.resolve("config.json");
    Files.writeString(f, json);
    return f;
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A real credential helper program: answers for 127.0.0.1:5000 and says "not found" for anything else. */
  private Path helper(String name) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path h = bin.resolve("docker-credential-" + name);
    Files.writeString(h, """
        #!/bin/sh
        [ "$1" = get ] || exit 2
        read -r server
        case "$server" in
          127.0.0.1:5000) echo '{"ServerURL":"127.0.0.1:5000","Username":"helperuser","Secret":"helpersecret"}' ;;
          tok.example) echo '{"ServerURL":"tok.example","Username":"<token>","Secret":"refresh-me"}' ;;
          https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"hubuser","Secret":"hubsecret"}' ;;
          *) echo "credentials not found in native keychain"; exit 1 ;;
        esac
        """);
    Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  @Test
  void lookup_authsBase64_decodesUserAndPasswordWithColons() throws IOException {
    DockerConfig c = DockerConfig.open(config("{\"auths\":{\"https://127.0.0.1:5000/v2/\":{\"auth\":\"" + b64("alice:pa:ss") + "\"}}}"));
    Credentials cr = c.lookup("127.0.0.1:5000").orElseThrow();
    assertThat(cr.username()).isEqualTo("alice");
    assertThat(cr.secret()).isEqualTo("pa:ss");
    assertThat(cr.source()).contains("config.json");
    assertThat(cr.toString()).doesNotContain("pa:ss");
  }

  @Test
  void lookup_usernamePasswordAndIdentityToken_entries() throws IOException {
    DockerConfig c = DockerConfig.open(config("""
        {"auths":{"a.example":{"username":"bob","password":"pw"},"b.example":{"identitytoken":"idt"}}}"""));
    assertThat(c.lookup("a.example").orElseThrow().secret()).isEqualTo("pw");
    Credentials b = c.lookup("b.example").orElseThrow();
    assertThat(b.identityToken()).isTrue();
    assertThat(b.secret()).isEqualTo("idt");
    assertThat(c.lookup("c.example")).isEmpty();
  }

  @Test
  void lookup_dockerHubKey_mapsToDockerIo() throws IOException {
    DockerConfig c = DockerConfig.open(config("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:secret") + "\"}}}"));
    assertThat(c.lookup("docker.io").orElseThrow().username()).isEqualTo("hub");
  }

  @Test
  void lookup_credHelperPerRegistry_runsHelperProgram() throws IOException {
    Path bin = helper("test");
    DockerConfig c = DockerConfig.open(config("""
        {"auths":{"127.0.0.1:5000":{"auth":"%s"}},"credHelpers":{"127.0.0.1:5000":"test","tok.example":"test"}}"""
        .formatted(b64("fromauths:x"))), bin.toString());
    Credentials cr = c.lookup("127.0.0.1:5000").orElseThrow();
    assertThat(cr.username()).isEqualTo("helperuser");
    assertThat(cr.secret()).isEqualTo("helpersecret");
    assertThat(cr.source()).contains("docker-credential-test").contains("credHelpers");
    assertThat(c.lookup("tok.example").orElseThrow().identityToken()).isTrue();
  }

  @Test
  void lookup_credsStore_usedAfterAuthsAndNotFoundIsEmpty() throws IOException {
    Path bin = helper("test");
    DockerConfig c = DockerConfig.open(config("""
        {"auths":{"a.example":{"auth":"%s"}},"credsStore":"test"}""".formatted(b64("a:b"))), bin.toString());
    assertThat(c.lookup("a.example").orElseThrow().username()).isEqualTo("a");
    assertThat(c.lookup("docker.io").orElseThrow().username()).isEqualTo("hubuser");
    assertThat(c.lookup("127.0.0.1:5000").orElseThrow().source()).contains("credsStore");
    assertThat(c.lookup("unknown.example")).isEmpty();
  }

  @Test
  void lookup_helperMissing_failsNamingIt() throws IOException {
    DockerConfig c = DockerConfig.open(config("{\"credsStore\":\"nosuch\"}"), dir.toString());
    assertThatThrownBy(() -> c.lookup("x.example")).hasMessageContaining("docker-credential-nosuch");
  }

  @Test
  void lookup_noFile_empty() throws IOException {
    assertThat(DockerConfig.open(dir.resolve("none.json")).lookup("x.example")).isEmpty();
  }

  @Test
  void loginThenLogout_writesAuthsWithMode0600AndKeepsOtherKeys() throws IOException {
    Path f = config("{\"credHelpers\":{\"gcr.io\":\"gcloud\"},\"auths\":{\"other.example\":{\"auth\":\"" + b64("o:p") + "\"}}}");
    DockerConfig c = DockerConfig.open(f);
    c.login("127.0.0.1:5000", Credentials.basic("alice", "s3cret", "--creds"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    String text = Files.readString(f);
    assertThat(text).contains("gcloud").contains("other.example").contains(b64("alice:s3cret"));
    assertThat(c.lookup("127.0.0.1:5000").orElseThrow().secret()).isEqualTo("s3cret");
    assertThat(c.logout("127.0.0.1:5000")).isTrue();
    assertThat(c.logout("127.0.0.1:5000")).isFalse();
    assertThat(c.lookup("127.0.0.1:5000")).isEmpty();
    assertThat(c.lookup("other.example")).isPresent();
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }
  }

  @Test
  void login_dockerHub_usesTheCliKey() throws IOException {
    Path f = dir.resolve("sub/config.json");
    DockerConfig.open(f).login("docker.io", Credentials.basic("u", "p", "test"));
    assertThat(Files.readString(f)).contains("https://index.docker.io/v1/");
  }

  @Test
  void credentialsParse_userColonPassword() {
    Credentials c = Credentials.parse("u:p:w", "--creds");
    assertThat(c.username()).isEqualTo("u");
    assertThat(c.secret()).isEqualTo("p:w");
    assertThatThrownBy(() -> Credentials.parse("secretonly", "--creds"))
        .hasMessageContaining("USER:PASSWORD").hasMessageNotContaining("secretonly");
  }
}
