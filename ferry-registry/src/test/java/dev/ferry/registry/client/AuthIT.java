package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.ErrorCode;
import dev.ferry.registry.RegistryException;
import dev.ferry.testing.DistributionRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic auth against distribution with an htpasswd (bcrypt) file; credentials from --creds and a docker config. */
class AuthIT {
  private static final String PASSWORD = "correct-horse-battery";
  private static DistributionRegistry registry;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    registry = DistributionRegistry.start("ferry", PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private Reference ref(String s) {
    return Reference.parse(registry.host() + "/" + s);
  }

  @Test
  void push_rightCredentials_succeedsAndPullsBack() throws IOException {
    OciStore src = OciStore.open(tmp.resolve("src"));
    TestImages.image(src, "a:1", 1, Platform.LINUX_AMD64, 5000);
    try (RegistryClient c = RegistryClient.builder().ignoreDockerConfig()
        .credentials(Credentials.parse("ferry:" + PASSWORD, "--creds")).build()) {
      c.push(src, "a:1", ref("auth/a:1"), ProgressListener.NONE);
      PullResult r = c.pull(OciStore.open(tmp.resolve("dst")), ref("auth/a:1"), PlatformSelection.host(), ProgressListener.NONE);
      assertThat(r.blobsFetched()).isEqualTo(2);
      assertThat(c.tags(ref("auth/a:1"))).containsExactly("1");
    }
  }

  @Test
  void push_wrongPassword_oneLineNamingRegistryAndSourceWithoutSecret() throws IOException {
    OciStore src = OciStore.open(tmp.resolve("src"));
    TestImages.image(src, "a:1", 2, Platform.LINUX_AMD64, 100);
    String wrong = "wrong-pass-1234";
    try (RegistryClient c = RegistryClient.builder().ignoreDockerConfig()
        .credentials(Credentials.parse("ferry:" + wrong, "--creds")).build()) {
      assertThatThrownBy(() -> c.push(src, "a:1", ref("auth/b:1"), ProgressListener.NONE))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.getMessage())
                .startsWith("credentials for " + registry.host() + " from --creds were rejected (401)")
                .doesNotContain(wrong)
                .doesNotContain("\n");
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.code()).contains(ErrorCode.UNAUTHORIZED);
            assertThat(e.retryable()).isFalse();
          });
    }
  }

  @Test
  void pull_wrongPasswordInDockerConfig_namesTheFile() throws IOException {
    Path config = tmp.resolve("docker/config.json");
    DockerConfig docker = DockerConfig.open(config);
    docker.login(registry.host(), Credentials.basic("ferry", "nope-nope", "test"));
    try (RegistryClient c = RegistryClient.builder().dockerConfig(docker).build()) {
      assertThatThrownBy(() -> c.tags(ref("auth/a:1")))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("credentials for " + registry.host() + " from " + config)
          .hasMessageContaining("rejected (401)")
          .hasMessageNotContaining("nope-nope");
    }
  }

  @Test
  void anonymous_failsSayingHowToLogIn() throws IOException {
    try (RegistryClient c = RegistryClient.builder().ignoreDockerConfig().build()) {
      assertThatThrownBy(() -> c.catalog(registry.host()))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining(registry.host() + " requires authentication")
          .hasMessageContaining("ferry login " + registry.host());
    }
  }

  @Test
  void login_checksThenWritesDockerConfig_logoutRemoves() throws IOException {
    DockerConfig docker = DockerConfig.open(tmp.resolve("d/config.json"));
    RegistryClient.Builder options = RegistryClient.builder();
    assertThatThrownBy(() -> RegistryClient.login(registry.host(), Credentials.basic("ferry", "bad", "ferry login"), docker, options))
        .hasMessageContaining("rejected (401)");
    assertThat(Files.exists(docker.file())).isFalse();
    RegistryClient.login(registry.host(), Credentials.basic("ferry", PASSWORD, "ferry login"), docker, options);
    try (RegistryClient c = RegistryClient.builder().dockerConfig(docker).build()) {
      c.ping(registry.host());
    }
    assertThat(RegistryClient.logout(registry.host(), docker)).isTrue();
    assertThat(docker.lookup(registry.host())).isEmpty();
  }
}
