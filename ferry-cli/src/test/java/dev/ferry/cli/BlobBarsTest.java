package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlobBarsTest {
  @Test
  void render_movingFinishedAndWaitingBlobs_showBarsOnlyWhileMoving() {
    BlobBars.Bar moving = new BlobBars.Bar(Digest.sha256("a".getBytes(StandardCharsets.UTF_8)), 100_000_000);
    moving.done = 50_000_000;
    moving.status = "pulling";
    BlobBars.Bar done = new BlobBars.Bar(Digest.sha256("b".getBytes(StandardCharsets.UTF_8)), 2_000);
    done.done = 2_000;
    done.status = "exists";
    BlobBars.Bar waiting = new BlobBars.Bar(Digest.sha256("c".getBytes(StandardCharsets.UTF_8)), 10);

    List<String> lines = BlobBars.render(List.of(moving, done, waiting));

    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .startsWith(moving.digest.shortHex() + ": pulling")
        .contains("[==============>               ]")
        .endsWith("50.0MB/100MB");
    assertThat(lines.get(1)).isEqualTo(done.digest.shortHex() + ": exists      2.00kB");
    assertThat(lines.get(2)).isEqualTo(waiting.digest.shortHex() + ": waiting     10B");
  }
}
