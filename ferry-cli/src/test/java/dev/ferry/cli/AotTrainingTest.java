package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' AOT cache is only as good as its training run: a command line there that stops working (a renamed
 * option, a changed default) would quietly leave its code out of the cache. Every step must succeed.
 */
class AotTrainingTest {
  @Test
  void everyTrainingStepSucceeds(@TempDir Path work) throws Exception {
    AotTraining.Result result = AotTraining.train(work);
    assertThat(result.failed()).isEmpty();
    assertThat(result.steps()).isGreaterThan(20);
    // it really did the work: the pulled image is in the third store, the build's image in the first
    try (Stream<Path> blobs = Files.list(work.resolve("store3/blobs/sha256"))) {
      assertThat(blobs.count()).isGreaterThanOrEqualTo(3);
    }
    assertThat(Files.readString(work.resolve("store/index.json"))).contains("training/app:1");
  }
}
