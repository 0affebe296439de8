package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocationTest {
  @Test
  void parse_docker_normalisesTheReference() {
    Location l = Location.parse("docker://busybox:1");
    assertThat(l.transport()).isEqualTo(Location.Transport.DOCKER);
    assertThat(l.reference().orElseThrow().toString()).isEqualTo("docker.io/library/busybox:1");
  }

  @Test
  void parse_ociWithNameContainingColons_splitsAtTheFirstColon() {
    Location l = Location.parse("oci:/tmp/layout:docker.io/library/x:1");
    assertThat(l.path()).contains(Path.of("/tmp/layout"));
    assertThat(l.name()).contains("docker.io/library/x:1");
  }

  @Test
  void parse_archiveWithoutName_hasNoName() {
    Location l = Location.parse("docker-archive:out.tar");
    assertThat(l.transport()).isEqualTo(Location.Transport.DOCKER_ARCHIVE);
    assertThat(l.name()).isEmpty();
  }

  @Test
  void parse_store_takesAReference() {
    assertThat(Location.parse("store:app:1").reference().orElseThrow().toString()).isEqualTo("docker.io/library/app:1");
  }

  @Test
  void parse_badLocations_quoteTheValue() {
    assertThatThrownBy(() -> Location.parse("ftp://x")).hasMessageContaining("'ftp://x'").hasMessageContaining("docker://");
    assertThatThrownBy(() -> Location.parse("docker:busybox")).hasMessageContaining("docker://REGISTRY");
    assertThatThrownBy(() -> Location.parse("oci:")).hasMessageContaining("oci:PATH");
    assertThatThrownBy(() -> Location.parse("busybox")).hasMessageContaining("'busybox'");
  }
}
